#!/bin/bash
# The 1M-result SARIF bench on PostgreSQL (release binary BINARY, a fresh schema SCHEMA), its output lines
# timestamped, and the CPU seconds of every backend serving the bench process (found by client port in
# pg_stat_activity, read from /proc every 0.5 s): the server time of the first ingest, which the machine's
# load distorts much less than wall-clock time. Needs root (ss -p, /proc of the postgres user).
# Usage: scripts/pg-bench-cpu.sh BINARY SCHEMA LABEL   (files in /tmp/rampart-pgbench-LABEL.*; report dir /tmp/rampart-bd)
BIN=$1; S=$2; L=$3; OUT=/tmp/rampart-pgbench-$L
psql -h 127.0.0.1 -U postgres -d test -qc "DROP SCHEMA IF EXISTS $S CASCADE; CREATE SCHEMA $S" 2>/dev/null
: > $OUT.cpu
( /usr/bin/time -f "client %U user %S sys %e s %M KB" nice -n 5 $BIN --db "postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3D$S" \
    bench --sarif-results 1000000 --trivy-vulns 0 --no-baseline --dir /tmp/rampart-bd 2>$OUT.err | while read -r line; do echo "$(date +%s.%N) $line"; done > $OUT.out ) &
sleep 1
BP=$(pgrep -n -f "search_path%3D$S")
echo "start $(date +%s.%N) bench pid $BP" >> $OUT.cpu
while kill -0 $BP 2>/dev/null; do
  ports=$(ss -tnp 2>/dev/null | grep "pid=$BP," | awk '{print $4}' | sed 's/.*://' | sort -u | paste -sd, -)
  if [ -n "$ports" ]; then
    for p in $(psql -h 127.0.0.1 -U postgres -d test -Atc "select pid from pg_stat_activity where client_port in ($ports)"); do
      [ -r /proc/$p/stat ] && echo "$(date +%s.%N) $p $(awk '{print $14+$15}' /proc/$p/stat)" >> $OUT.cpu
    done
  fi
  sleep 0.5
done
wait
echo "end $(date +%s.%N)" >> $OUT.cpu
cat $OUT.out
tail -1 $OUT.err
# CPU seconds per backend at the end of the first step (ingest), and in total
T1=$(grep "ingest (new database)" $OUT.out | awk '{print $1}')
awk -v t1="$T1" '$1 ~ /^[0-9]/ && NF==3 { if ($1 <= t1) first[$2]=$3; last[$2]=$3 } END { for (p in last) printf "backend %s: %.2f s CPU during the first ingest, %.2f s in all\n", p, first[p]/100, last[p]/100 }' $OUT.cpu
