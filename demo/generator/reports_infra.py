"""`trivy fs --scanners misconfig,secret .` on the inventory-service repository."""

import src_inventory
from reports_code import INV_AWS_KEY
from util import locate

TRIVY_VERSION = "0.57.0"
SCANNED_AT = "2024-11-05T10:02:37.664913208Z"
AVD = "https://avd.aquasec.com/misconfig/"

# id -> (service, title, description, resolution, severity, references)
CHECKS = {
    "AVD-AWS-0164": ("ec2", "Instances in a subnet should not receive a public IP address by default.",
                     "You should limit the provision of public IP addresses for resources. Resources should not be exposed on the public internet, but should have access limited to consumers required for the function of your application.",
                     "Set the instance to not be publicly accessible", "HIGH",
                     ["https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html#subnet-public-ip"]),
    "AVD-AWS-0178": ("ec2", "VPC Flow Logs is a feature that enables you to capture information about the IP traffic going to and from network interfaces in your VPC. After you've created a flow log, you can view and retrieve its data in Amazon CloudWatch Logs. It is recommended that VPC Flow Logs be enabled for packet \"Rejects\" for VPCs.",
                     "VPC Flow Logs provide visibility into network traffic that traverses the VPC and can be used to detect anomalous traffic or insight during security workflows.",
                     "Enable flow logs for VPC", "MEDIUM",
                     ["https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html"]),
    "AVD-AWS-0099": ("ec2", "Missing description for security group.",
                     "Security groups should include a description for auditing purposes. Simplifies auditing, debugging, and managing security groups.",
                     "Add descriptions for all security groups", "LOW",
                     ["https://www.cloudconformity.com/knowledge-base/aws/EC2/security-group-rules-description.html"]),
    "AVD-AWS-0107": ("ec2", "An ingress security group rule allows traffic from /0.",
                     "Opening up ports to the public internet is generally to be avoided. You should restrict access to IP addresses or ranges that explicitly require it where possible.",
                     "Set a more restrictive cidr range", "CRITICAL",
                     ["https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules-reference.html"]),
    "AVD-AWS-0104": ("ec2", "An egress security group rule allows traffic to /0.",
                     "Opening up ports to connect out to the public internet is generally to be avoided. You should restrict access to IP addresses or ranges that are explicitly required where possible.",
                     "Set a more restrictive cidr range", "CRITICAL",
                     ["https://docs.aws.amazon.com/whitepapers/latest/building-scalable-secure-multi-vpc-network-infrastructure/centralized-egress-to-internet.html"]),
    "AVD-AWS-0124": ("ec2", "Missing description for security group rule.",
                     "Security group rules should include a description for auditing purposes. Simplifies auditing, debugging, and managing security groups.",
                     "Add descriptions for all security groups rules", "LOW",
                     ["https://www.cloudconformity.com/knowledge-base/aws/EC2/security-group-rules-description.html"]),
    "AVD-AWS-0180": ("rds", "RDS Publicly Accessible",
                     "Database resources should not publicly available. You should limit all access to the minimum that is required for your application to function.",
                     "Set the database to not be publicly accessible", "HIGH",
                     ["https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding"]),
    "AVD-AWS-0080": ("rds", "RDS encryption has not been enabled at a DB Instance level.",
                     "Encryption should be enabled for an RDS Database instances. When enabling encryption by setting the kms_key_id.",
                     "Enable encryption for RDS instances", "HIGH",
                     ["https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"]),
    "AVD-AWS-0077": ("rds", "RDS Cluster and RDS instance should have backup retention longer than default 1 day",
                     "RDS backup retention for clusters defaults to 1 day, this may not be enough to identify and respond to an issue. Backup retention periods should be set to a period that is a balance on cost and limiting risk.",
                     "Explicitly set the retention period to greater than the default", "MEDIUM",
                     ["https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Backups.html#Aurora.Managing.Backups.BackupRetention"]),
    "AVD-AWS-0176": ("rds", "RDS IAM Database Authentication Disabled",
                     "Ensure IAM Database Authentication is enabled for RDS database instances to manage database access",
                     "Modify the PostgreSQL and MySQL type RDS instances to enable IAM database authentication.", "MEDIUM",
                     ["https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.html"]),
    "AVD-AWS-0177": ("rds", "RDS Deletion Protection Disabled",
                     "Ensure deletion protection is enabled for RDS database instances.",
                     "Modify the RDS instances to enable deletion protection.", "MEDIUM",
                     ["https://aws.amazon.com/about-aws/whats-new/2018/09/amazon-rds-now-provides-database-deletion-protection/"]),
    "AVD-AWS-0133": ("rds", "Enable Performance Insights to detect potential problems",
                     "Enabling Performance insights allows for greater depth in monitoring data.",
                     "Enable performance insights", "LOW",
                     ["https://aws.amazon.com/rds/performance-insights/"]),
    "AVD-AWS-0086": ("s3", "S3 Access block should block public ACL",
                     "S3 buckets should block public ACLs on buckets and any objects they contain. By blocking, PUTs with fail if the object has any public ACL a.",
                     "Enable blocking any PUT calls with a public ACL specified", "HIGH",
                     ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"]),
    "AVD-AWS-0087": ("s3", "S3 Access block should block public policy",
                     "S3 bucket policy should have block public policy to prevent users from putting a policy that enable public access.",
                     "Prevent policies that allow public access being PUT", "HIGH",
                     ["https://docs.aws.amazon.com/AmazonS3/latest/dev-retired/access-control-block-public-access.html"]),
    "AVD-AWS-0088": ("s3", "Unencrypted S3 bucket.",
                     "S3 Buckets should be encrypted to protect the data that is stored within them if access is compromised.",
                     "Configure bucket encryption", "HIGH",
                     ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html"]),
    "AVD-AWS-0089": ("s3", "S3 Bucket Logging",
                     "Ensures S3 bucket logging is enabled for S3 buckets",
                     "Add a logging block to the resource to enable access logging", "LOW",
                     ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html"]),
    "AVD-AWS-0090": ("s3", "S3 Data should be versioned",
                     "Versioning in Amazon S3 is a means of keeping multiple variants of an object in the same bucket. You can use the S3 Versioning feature to preserve, retrieve, and restore every version of every object stored in your buckets. With versioning you can recover more easily from both unintended user actions and application failures.",
                     "Enable versioning to protect against accidental/malicious removal or modification", "MEDIUM",
                     ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"]),
    "AVD-AWS-0091": ("s3", "S3 Access Block should Ignore Public Acl",
                     "S3 buckets should ignore public ACLs on buckets and any objects they contain. By ignoring rather than blocking, PUT calls with public ACLs will still be applied but the ACL will be ignored.",
                     "Enable ignoring the application of public ACLs in PUT calls", "HIGH",
                     ["https://docs.aws.amazon.com/AmazonS3/latest/dev-retired/access-control-block-public-access.html"]),
    "AVD-AWS-0093": ("s3", "S3 Access block should restrict public bucket to limit access",
                     "S3 buckets should restrict public policies for the bucket. By enabling, the restrict_public_buckets, only the bucket owner and AWS Services can access if it has a public policy.",
                     "Limit the access to public buckets to only the owner or AWS Services (eg; CloudFront)", "HIGH",
                     ["https://docs.aws.amazon.com/AmazonS3/latest/dev-retired/access-control-block-public-access.html"]),
    "AVD-AWS-0094": ("s3", "S3 buckets should each define an aws_s3_bucket_public_access_block",
                     "The \"block public access\" settings in S3 override individual policies that apply to a given bucket, meaning that all public access can be controlled in one central types for that bucket. It is therefore good practice to define these settings for each bucket in order to clearly define the public access that can be allowed for it.",
                     "Define a aws_s3_bucket_public_access_block for the given bucket to control public access policies", "LOW",
                     ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"]),
    "AVD-AWS-0132": ("s3", "S3 encryption should use Customer Managed Keys",
                     "Encryption using AWS keys provides protection for your S3 buckets. To increase control of the encryption and manage factors like rotation use customer managed keys.",
                     "Enable encryption using customer managed keys", "HIGH",
                     ["https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html"]),
    "AVD-AWS-0030": ("ecr", "ECR repository has image scans disabled.",
                     "Repository image scans should be enabled to ensure vulnerable software can be discovered and remediated as soon as possible.",
                     "Enable ECR image scanning", "HIGH",
                     ["https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html"]),
    "AVD-AWS-0031": ("ecr", "ECR images tags shouldn't be mutable.",
                     "ECR images should be set to IMMUTABLE to prevent code injection through image mutation. This can be done by setting <code>image_tab_mutability</code> to <code>IMMUTABLE</code>",
                     "Only use immutable images in ECR", "HIGH",
                     ["https://sysdig.com/blog/toctou-tag-mutability/"]),
    "AVD-AWS-0033": ("ecr", "ECR Repository should use customer managed keys to allow more control",
                     "Images in the ECR repository are encrypted by default using AWS managed encryption keys. To increase control of the encryption and control the management of factors like key rotation, use a Customer Managed Key.",
                     "Use customer managed keys", "LOW",
                     ["https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html"]),
    "AVD-AWS-0057": ("iam", "IAM policy should avoid use of wildcards and instead apply the principle of least privilege",
                     "You should use the principle of least privilege when defining your IAM policies. This means you should specify each exact permission required without using wildcards, as this could cause the granting of access to certain undesired actions, resources and principals.",
                     "Specify the exact permissions required, and to which resources they should apply instead of using wildcards.", "HIGH",
                     ["https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"]),
    "AVD-AWS-0017": ("cloudwatch", "CloudWatch log groups should be encrypted using CMK",
                     "CloudWatch log groups are encrypted by default, however, to get the full benefit of controlling key rotation and other KMS aspects a KMS CMK should be used.",
                     "Enable CMK encryption of CloudWatch Log Groups", "LOW",
                     ["https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"]),
}

# (file, resource address, check id, cause: None = whole resource block, or an anchor whose
#  line range is the cause, message)
MISCONFIGS = [
    ("terraform/ecr.tf", "aws_ecr_repository.inventory", "AVD-AWS-0030", "scan_on_push = false", "Image scanning is not enabled."),
    ("terraform/ecr.tf", "aws_ecr_repository.inventory", "AVD-AWS-0031", "image_tag_mutability = \"MUTABLE\"", "Repository tags are mutable."),
    ("terraform/ecr.tf", "aws_ecr_repository.inventory", "AVD-AWS-0033", None, "Repository is not encrypted using KMS."),
    ("terraform/iam.tf", "aws_iam_role_policy.task", "AVD-AWS-0057", "POLICY", "IAM policy document uses wildcarded action 's3:*'"),
    ("terraform/iam.tf", "aws_iam_role_policy.task", "AVD-AWS-0057", "POLICY", "IAM policy document uses sensitive action 's3:*' on wildcarded resource '*'"),
    ("terraform/logs.tf", "aws_cloudwatch_log_group.api", "AVD-AWS-0017", None, "Log group is not encrypted."),
    ("terraform/network.tf", "aws_security_group.api", "AVD-AWS-0099", None, "Security group explicitly uses the default description."),
    ("terraform/network.tf", "aws_security_group.api", "AVD-AWS-0107", "cidr_blocks = [\"0.0.0.0/0\"]", "Security group rule allows ingress from public internet."),
    ("terraform/network.tf", "aws_security_group.api", "AVD-AWS-0124", "INGRESS", "Security group rule does not have a description."),
    ("terraform/network.tf", "aws_security_group.api", "AVD-AWS-0104", "cidr_blocks = [\"0.0.0.0/0\"]#2", "Security group rule allows egress to multiple public internet addresses."),
    ("terraform/network.tf", "aws_security_group.api", "AVD-AWS-0124", "EGRESS", "Security group rule does not have a description."),
    ("terraform/network.tf", "aws_subnet.public_a", "AVD-AWS-0164", "map_public_ip_on_launch = true", "Subnet associates public IP address."),
    ("terraform/network.tf", "aws_vpc.inventory", "AVD-AWS-0178", None, "VPC Flow Logs is not enabled for VPC "),
    ("terraform/rds.tf", "aws_db_instance.inventory", "AVD-AWS-0077", "backup_retention_period = 1", "Instance has very low backup retention period."),
    ("terraform/rds.tf", "aws_db_instance.inventory", "AVD-AWS-0080", "storage_encrypted       = false", "Instance does not have storage encryption enabled."),
    ("terraform/rds.tf", "aws_db_instance.inventory", "AVD-AWS-0133", None, "Instance does not have performance insights enabled."),
    ("terraform/rds.tf", "aws_db_instance.inventory", "AVD-AWS-0176", None, "Instance does not have IAM Authentication enabled"),
    ("terraform/rds.tf", "aws_db_instance.inventory", "AVD-AWS-0177", None, "Instance does not have Deletion Protection enabled"),
    ("terraform/rds.tf", "aws_db_instance.inventory", "AVD-AWS-0180", "publicly_accessible     = true", "Instance has Public Access enabled"),
    ("terraform/s3.tf", "aws_s3_bucket.exports", "AVD-AWS-0086", None, "No public access block so not blocking public acls"),
    ("terraform/s3.tf", "aws_s3_bucket.exports", "AVD-AWS-0087", None, "No public access block so not blocking public policies"),
    ("terraform/s3.tf", "aws_s3_bucket.exports", "AVD-AWS-0088", None, "Bucket does not have encryption enabled"),
    ("terraform/s3.tf", "aws_s3_bucket.exports", "AVD-AWS-0089", None, "Bucket has logging disabled"),
    ("terraform/s3.tf", "aws_s3_bucket.exports", "AVD-AWS-0090", None, "Bucket does not have versioning enabled"),
    ("terraform/s3.tf", "aws_s3_bucket.exports", "AVD-AWS-0091", None, "No public access block so not ignoring public acls"),
    ("terraform/s3.tf", "aws_s3_bucket.exports", "AVD-AWS-0093", None, "No public access block so not restricting public buckets"),
    ("terraform/s3.tf", "aws_s3_bucket.exports", "AVD-AWS-0094", None, "Bucket does not have a corresponding public access block."),
    ("terraform/s3.tf", "aws_s3_bucket.exports", "AVD-AWS-0132", None, "Bucket does not encrypt data with a customer managed key."),
]

SUCCESSES = {"Dockerfile": 25, "terraform/ecr.tf": 0, "terraform/iam.tf": 3, "terraform/logs.tf": 0,
             "terraform/network.tf": 3, "terraform/rds.tf": 4, "terraform/s3.tf": 1, "terraform/sqs.tf": 4}


def _block(text, header_start):
    """(start line, end line) of the brace block whose header begins at offset `header_start`."""
    open_at = text.index("{", header_start)
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[:header_start].count("\n") + 1, text[:i].count("\n") + 1
    raise ValueError("unbalanced")


def _code(lines, start, end, cause=(None, None)):
    cs, ce = cause if cause[0] else (start, end)
    out = []
    for n in range(start, end + 1):
        content = lines[n - 1]
        line = {"Number": n, "Content": content, "IsCause": cs <= n <= ce, "Annotation": "", "Truncated": False}
        if content:
            line["Highlighted"] = content
        line["FirstCause"] = n == cs
        line["LastCause"] = n == ce
        out.append(line)
    return {"Lines": out}


def _misconfig(files, path, resource, check, cause, message):
    service, title, desc, resolution, sev, refs = CHECKS[check]
    text = files[path]
    lines = text.split("\n")
    rtype, rname = resource.split(".")
    header = text.index(f'resource "{rtype}" "{rname}"')
    rs, re_ = _block(text, header)
    if cause is None:
        start, end = rs, re_
    elif cause == "POLICY":
        start, end = _block(text, text.index("policy = jsonencode", header))
    elif cause in ("INGRESS", "EGRESS"):
        start, end = _block(text, text.index(f"  {cause.lower()} {{", header))
    else:
        anchor, _, nth = cause.partition("#")
        start = end = locate(files, path, anchor, int(nth or 1)).line
    num = check.split("-")[-1]
    return {
        "Type": "Terraform Security Check",
        "ID": check,
        "AVDID": check,
        "Title": title,
        "Description": desc,
        "Message": message,
        "Namespace": f"builtin.aws.{service}.aws{num}",
        "Query": f"data.builtin.aws.{service}.aws{num}.deny",
        "Resolution": resolution,
        "Severity": sev,
        "PrimaryURL": AVD + check.lower(),
        "References": refs + [AVD + check.lower()],
        "Status": "FAIL",
        "Layer": {},
        "CauseMetadata": {
            "Resource": resource,
            "Provider": "AWS",
            "Service": service,
            "StartLine": start,
            "EndLine": end,
            "Code": _code(lines, start, end),
            "RenderedCause": {},
        },
    }


def _dockerfile_checks():
    common = {"Type": "Dockerfile Security Check", "Status": "FAIL", "Layer": {}}
    return [
        dict(common, **{
            "ID": "DS002", "AVDID": "AVD-DS-0002", "Title": "Image user should not be 'root'",
            "Description": "Running containers with 'root' user can lead to a container escape situation. It is a best practice to run containers as non-root users, which can be done by adding a 'USER' statement to the Dockerfile.",
            "Message": "Specify at least 1 USER command in Dockerfile with non-root user as argument",
            "Namespace": "builtin.dockerfile.DS002", "Query": "data.builtin.dockerfile.DS002.deny",
            "Resolution": "Add 'USER <non root user name>' line to the Dockerfile", "Severity": "HIGH",
            "PrimaryURL": "https://avd.aquasec.com/misconfig/ds002",
            "References": ["https://docs.docker.com/develop/develop-images/dockerfile_best-practices/",
                           "https://avd.aquasec.com/misconfig/ds002"],
            "CauseMetadata": {"Provider": "Dockerfile", "Service": "general", "Code": {"Lines": None}, "RenderedCause": {}},
        }),
        dict(common, **{
            "ID": "DS026", "AVDID": "AVD-DS-0026", "Title": "No HEALTHCHECK defined",
            "Description": "You should add HEALTHCHECK instruction in your docker container images to perform the health check on running containers.",
            "Message": "Add HEALTHCHECK instruction in your Dockerfile",
            "Namespace": "builtin.dockerfile.DS026", "Query": "data.builtin.dockerfile.DS026.deny",
            "Resolution": "Add HEALTHCHECK instruction in Dockerfile", "Severity": "LOW",
            "PrimaryURL": "https://avd.aquasec.com/misconfig/ds026",
            "References": ["https://blog.aquasec.com/docker-security-best-practices",
                           "https://avd.aquasec.com/misconfig/ds026"],
            "CauseMetadata": {"Provider": "Dockerfile", "Service": "general", "Code": {"Lines": None}, "RenderedCause": {}},
        }),
    ]


def _secret(files):
    path = "terraform/providers.tf"
    loc = locate(files, path, INV_AWS_KEY)
    lines = files[path].split("\n")
    masked = [l.replace(INV_AWS_KEY, "*" * len(INV_AWS_KEY)) for l in lines]
    code = _code(masked, loc.line - 2, loc.line + 1, (loc.line, loc.line))
    return {
        "RuleID": "aws-access-key-id",
        "Category": "AWS",
        "Severity": "CRITICAL",
        "Title": "AWS Access Key ID",
        "StartLine": loc.line,
        "EndLine": loc.line,
        "Code": code,
        "Match": masked[loc.line - 1].strip(),
        "Offset": loc.start_offset,
        "Layer": {},
    }


def trivy_fs():
    files = src_inventory.FILES
    by_file = {}
    for path, resource, check, cause, message in MISCONFIGS:
        by_file.setdefault(path, []).append(_misconfig(files, path, resource, check, cause, message))
    results = []
    docker = _dockerfile_checks()
    results.append({"Target": "Dockerfile", "Class": "config", "Type": "dockerfile",
                    "MisconfSummary": {"Successes": SUCCESSES["Dockerfile"], "Failures": len(docker)},
                    "Misconfigurations": docker})
    for path in sorted(set(SUCCESSES) - {"Dockerfile"}):
        found = by_file.get(path, [])
        r = {"Target": path, "Class": "config", "Type": "terraform",
             "MisconfSummary": {"Successes": SUCCESSES[path], "Failures": len(found)}}
        if found:
            r["Misconfigurations"] = found
        results.append(r)
    results.append({"Target": "terraform/providers.tf", "Class": "secret", "Secrets": [_secret(files)]})
    return {
        "SchemaVersion": 2,
        "CreatedAt": SCANNED_AT,
        "ArtifactName": ".",
        "ArtifactType": "filesystem",
        "Metadata": {"ImageConfig": {"architecture": "", "created": "0001-01-01T00:00:00Z", "os": "",
                                     "rootfs": {"type": "", "diff_ids": None}, "config": {}}},
        "Results": results,
    }
