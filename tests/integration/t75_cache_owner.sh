#!/bin/bash
# t75_cache_owner — a cache folder another user could change is refused
# with one line (whatever is in it is burned as this user by the next
# commit): owned by someone else, writable by group or others, a data file
# that is not the daemon user's, a folder above it that others may write
# into (unless sticky, as /tmp). Put right, the same folder mounts, with
# its staged changes.
. "$(dirname "$0")/lib.sh"

start_burnfs
printf 'staged\n' >"$MNT/staging/a.txt"
stop_burnfs
data=$(ls "$CACHE/data")
[ -n "$data" ] || fail "no data file in the cache"

chown 65534 "$CACHE"
expect_refused_says "belongs to user 65534" -o "cache=$CACHE" "$IMG" "$MNT"
chown 0 "$CACHE"
chmod 0777 "$CACHE"
expect_refused_says "writable by group or others" -o "cache=$CACHE" "$IMG" "$MNT"
chmod 0750 "$CACHE"
chmod 0770 "$CACHE/data"
expect_refused_says "data is writable by group or others" -o "cache=$CACHE" "$IMG" "$MNT"
chmod 0700 "$CACHE/data"
first=$(printf '%s\n' $data | sed -n 1p)
chown 65534 "$CACHE/data/$first"
expect_refused_says "data/$first belongs to user 65534" -o "cache=$CACHE" "$IMG" "$MNT"
chown 0 "$CACHE/data/$first"

# folders above it
mkdir -m 0777 "$T/open"
chmod 0777 "$T/open"   # no sticky bit, whatever the umask
expect_refused_says "open \(above the cache folder\) is writable by group or others" \
	-o "cache=$T/open/cache" "$IMG" "$MNT"
[ ! -e "$T/open/cache" ] || [ -z "$(ls -A "$T/open/cache")" ] || fail "burnfs wrote into the refused folder"
mkdir "$T/sticky"
chmod 1777 "$T/sticky"
start_burnfs -o "cache=$T/sticky/cache"
stop_burnfs

# put right: the staged change is there
start_burnfs
assert_eq "$(cat "$MNT/staging/a.txt")" staged "a.txt"
assert_eq "$(pending_norm)" "A a.txt" "pending"
stop_burnfs
