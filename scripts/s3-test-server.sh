#!/usr/bin/env bash
# Starts a throwaway S3-compatible server on loopback for tests: Ceph's RADOS Gateway (Debian radosgw) on a one-node
# Ceph cluster (one monitor, one OSD keeping its objects in memory). Prints the endpoint with its test credentials,
# http://ACCESS:SECRET@127.0.0.1:PORT. Usage: scripts/s3-test-server.sh start|stop   (S3PORT defaults to 7480)
# Needs: apt-get install -y ceph-mon ceph-osd radosgw ceph-common
set -euo pipefail
port="${S3PORT:-7480}"
monport="${S3_MON_PORT:-33009}"
dir="${S3DATA_DIR:-/tmp/proctor-test-s3-$port}"
access=proctortestaccess
secret=proctortestsecret-not-a-real-one-0001
conf="$dir/ceph.conf"
url="http://$access:$secret@127.0.0.1:$port"
up() { curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/"; }
stop() {
  for name in client.rgw.a osd.0 mon.a; do
    local pid; pid=$(cat "$dir/run/$name.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
}
wait_for() { for _ in $(seq 1 "$2"); do eval "$1" && return 0; sleep 0.5; done; echo "$3" >&2; exit 1; }
# Test files starting it at once take turns: the first sets it up, the others find it running.
exec 9>"/tmp/proctor-test-s3-$port.lock"
flock 9
case "${1:-start}" in
  start)
    command -v radosgw >/dev/null && command -v ceph-osd >/dev/null && command -v ceph-mon >/dev/null \
      || { echo "Ceph RADOS Gateway not found (apt-get install -y ceph-mon ceph-osd radosgw ceph-common)" >&2; exit 1; }
    if [ -f "$dir/ready" ] && up; then echo "$url"; exit 0; fi
    stop
    # The OSD keeps its objects in memory: a cluster left from an earlier run has lost them, so start afresh.
    rm -rf "$dir"; mkdir -p "$dir"/{mon,osd,rgw,run,log}
    fsid=$(cat /proc/sys/kernel/random/uuid)
    cat > "$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$monport
keyring = $dir/keyring
run dir = $dir/run
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
admin socket = $dir/run/\$name.asok
public network = 127.0.0.0/8
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd crush chooseleaf type = 0
auth allow insecure global id reclaim = false
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
osd objectstore = memstore
memstore device bytes = 2147483648
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $dir/rgw
EOF
    c=(-c "$conf")
    ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
    ceph-authtool "$dir/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
    ceph-authtool "$dir/keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' >/dev/null
    ceph-authtool "$dir/keyring" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' >/dev/null
    monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$monport]" "$dir/monmap" >/dev/null
    ceph-mon "${c[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" 2>>"$dir/log/setup.log"
    # The daemons must not inherit the lock (fd 9): they would hold it for as long as they run.
    ceph-mon "${c[@]}" -i a 2>>"$dir/log/setup.log" 9>&-
    timeout 30 ceph "${c[@]}" auth import -i "$dir/keyring" >>"$dir/log/setup.log" 2>&1
    timeout 30 ceph "${c[@]}" osd create >/dev/null 2>>"$dir/log/setup.log"
    ceph-osd "${c[@]}" -i 0 --mkfs >>"$dir/log/setup.log" 2>&1
    timeout 30 ceph "${c[@]}" osd crush add osd.0 1.0 host=localhost root=default >>"$dir/log/setup.log" 2>&1
    ceph-osd "${c[@]}" -i 0 >>"$dir/log/setup.log" 2>&1 9>&-
    radosgw "${c[@]}" -n client.rgw.a >>"$dir/log/setup.log" 2>&1 9>&-
    wait_for up 120 "the RADOS Gateway did not answer on 127.0.0.1:$port (logs in $dir/log)"
    timeout 60 radosgw-admin "${c[@]}" -n client.admin user create --uid=proctor-test --display-name=proctor-test \
      --access-key="$access" --secret-key="$secret" >>"$dir/log/setup.log" 2>&1
    touch "$dir/ready"
    echo "$url"
    ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
