//! Users, teams, API tokens and sessions (issue 7): what makes a credential valid is decided by
//! the store (revoked, expired, disabled), and nothing secret is read back.

use crate::backend::Backend;
use crate::build::at;
use rampart_model::Role;
use rampart_store::{NewToken, StoreError};
use time::Duration;

fn token(name: &str, hash: &str, role: Role, teams: &[&str]) -> NewToken {
    NewToken {
        name: name.into(),
        token_hash: hash.into(),
        prefix: "rmp_abcd".into(),
        role,
        teams: teams.iter().map(|t| t.to_string()).collect(),
        created_by: "user:root".into(),
        expires_at: Some(at(60)),
    }
}

pub async fn users_teams_and_memberships(b: &Backend) {
    let s = b.store.as_ref();
    assert!(s.add_team("payments", at(0)).await.unwrap());
    assert!(
        !s.add_team("payments", at(0)).await.unwrap(),
        "created twice"
    );
    assert!(s.add_team("identity", at(0)).await.unwrap());
    let alice = s
        .add_user("alice", "$argon2id$x", false, at(0))
        .await
        .unwrap();
    s.add_user("root", "$argon2id$y", true, at(0))
        .await
        .unwrap();
    assert!(matches!(
        s.add_user("alice", "$argon2id$z", false, at(1)).await,
        Err(StoreError::Conflict(_))
    ));
    s.set_membership("payments", "alice", Some(Role::Read))
        .await
        .unwrap();
    s.set_membership("payments", "alice", Some(Role::Triage))
        .await
        .unwrap();
    s.set_membership("identity", "alice", Some(Role::Read))
        .await
        .unwrap();
    assert!(matches!(
        s.set_membership("nope", "alice", Some(Role::Read)).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.set_membership("payments", "nobody", Some(Role::Read))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        s.team_members("payments").await.unwrap(),
        vec![("alice".to_string(), Role::Triage)]
    );
    let users = s.list_users().await.unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].name, "alice");
    assert_eq!(users[0].id, alice);
    assert_eq!(
        users[0].teams,
        vec![
            ("identity".to_string(), Role::Read),
            ("payments".to_string(), Role::Triage)
        ]
    );
    assert!(users[1].admin && !users[0].admin);
    let teams = s.list_teams().await.unwrap();
    assert_eq!(
        teams
            .iter()
            .map(|t| (t.name.as_str(), t.members))
            .collect::<Vec<_>>(),
        vec![("identity", 1), ("payments", 1)]
    );
    s.set_membership("identity", "alice", None).await.unwrap();
    assert!(s.team_members("identity").await.unwrap().is_empty());

    let creds = s.user_credentials("alice").await.unwrap().unwrap();
    assert_eq!(creds.password_hash, "$argon2id$x");
    assert!(!creds.disabled);
    assert!(s.user_credentials("mallory").await.unwrap().is_none());
    assert!(s.set_password("alice", "$argon2id$new").await.unwrap());
    assert!(!s.set_password("mallory", "$argon2id$new").await.unwrap());
    assert_eq!(
        s.user_credentials("alice")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "$argon2id$new"
    );
}

pub async fn tokens_revoke_and_expire(b: &Backend) {
    let s = b.store.as_ref();
    s.add_team("payments", at(0)).await.unwrap();
    let ci = s
        .create_token(&token("ci", "h-ci", Role::Ingest, &["payments"]), at(0))
        .await
        .unwrap();
    let admin = s
        .create_token(&token("ops", "h-ops", Role::Admin, &[]), at(0))
        .await
        .unwrap();
    assert!(matches!(
        s.create_token(&token("bad", "h-bad", Role::Read, &["nope"]), at(0))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        s.list_tokens()
            .await
            .unwrap()
            .iter()
            .all(|t| t.name != "bad"),
        "a failed create stores nothing"
    );

    let p = s.token_principal("h-ci", at(1)).await.unwrap().unwrap();
    assert_eq!(p.subject, format!("token:{ci}"));
    assert!(!p.admin);
    assert_eq!(p.role, Role::Ingest);
    assert_eq!(p.memberships, vec![("payments".to_string(), Role::Ingest)]);
    assert!(
        s.token_principal("h-ops", at(1))
            .await
            .unwrap()
            .unwrap()
            .admin
    );
    assert!(s.token_principal("unknown", at(1)).await.unwrap().is_none());
    // Expired at its expiry.
    assert!(s.token_principal("h-ci", at(60)).await.unwrap().is_none());

    let listed = s.list_tokens().await.unwrap();
    assert_eq!(
        listed.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![admin, ci]
    );
    let ci_row = listed.iter().find(|t| t.id == ci).unwrap();
    assert_eq!(ci_row.teams, vec!["payments".to_string()]);
    assert_eq!(ci_row.role, Role::Ingest);
    assert_eq!(ci_row.last_used_at, Some(at(1)), "use recorded");
    // A use within the minute does not write again; one later does.
    s.token_principal("h-ci", at(1) + Duration::seconds(30))
        .await
        .unwrap();
    let row = |ts: Vec<rampart_store::TokenRow>| ts.into_iter().find(|t| t.id == ci).unwrap();
    assert_eq!(
        row(s.list_tokens().await.unwrap()).last_used_at,
        Some(at(1))
    );
    s.token_principal("h-ci", at(3)).await.unwrap();
    assert_eq!(
        row(s.list_tokens().await.unwrap()).last_used_at,
        Some(at(3))
    );

    assert!(s.revoke_token(ci, at(4)).await.unwrap());
    assert!(!s.revoke_token(ci, at(5)).await.unwrap(), "revoked once");
    assert!(!s.revoke_token(9999, at(5)).await.unwrap());
    assert!(s.token_principal("h-ci", at(5)).await.unwrap().is_none());
    assert_eq!(row(s.list_tokens().await.unwrap()).revoked_at, Some(at(4)));
}

pub async fn sessions_end_on_logout_expiry_and_disable(b: &Backend) {
    let s = b.store.as_ref();
    s.add_team("payments", at(0)).await.unwrap();
    let bob = s
        .add_user("bob", "$argon2id$x", false, at(0))
        .await
        .unwrap();
    s.set_membership("payments", "bob", Some(Role::Read))
        .await
        .unwrap();
    s.create_session("sess-1", bob, "csrf-1", at(0), at(30))
        .await
        .unwrap();
    let info = s.session("sess-1", at(1)).await.unwrap().unwrap();
    assert_eq!(info.principal.subject, "user:bob");
    assert_eq!(info.principal.role, Role::Read);
    assert_eq!(
        info.principal.memberships,
        vec![("payments".to_string(), Role::Read)]
    );
    assert_eq!(info.csrf_token, "csrf-1");
    assert_eq!(info.expires_at, at(30));
    assert!(s.session("sess-2", at(1)).await.unwrap().is_none());
    // Expired: gone.
    assert!(s.session("sess-1", at(30)).await.unwrap().is_none());
    assert!(
        s.session("sess-1", at(1)).await.unwrap().is_none(),
        "removed when presented expired"
    );

    s.create_session("sess-3", bob, "csrf-3", at(0), at(30))
        .await
        .unwrap();
    s.delete_session("sess-3").await.unwrap();
    assert!(s.session("sess-3", at(1)).await.unwrap().is_none());

    s.create_session("sess-4", bob, "csrf-4", at(0), at(30))
        .await
        .unwrap();
    assert!(s.set_user_disabled("bob", true).await.unwrap());
    assert!(s.session("sess-4", at(1)).await.unwrap().is_none());
    assert!(s.user_credentials("bob").await.unwrap().unwrap().disabled);
    assert!(s.set_user_disabled("bob", false).await.unwrap());
    assert!(
        s.session("sess-4", at(1)).await.unwrap().is_none(),
        "disabling ended it"
    );

    s.create_session("sess-5", bob, "csrf-5", at(0), at(30))
        .await
        .unwrap();
    s.set_password("bob", "$argon2id$y").await.unwrap();
    assert!(
        s.session("sess-5", at(1)).await.unwrap().is_none(),
        "a new password ends sessions"
    );

    s.record_job_submitter(7, "token:3").await.unwrap();
    assert_eq!(
        s.job_submitter(7).await.unwrap().as_deref(),
        Some("token:3")
    );
    assert_eq!(s.job_submitter(8).await.unwrap(), None);
}
