#!/usr/bin/env bash
# Builds the stateful test job (test/flinkjob, a keyed counter) for one Flink
# distribution, without network or Maven: `javac --release 17` against the
# distribution's lib/ jars (hack/flink-dist.sh fetches it when missing), then
# the JDK's `jar` tool, with KeyedCounter as Main-Class.
#
#   hack/flink-testjob.sh 2.2.1      (a minor such as 2.2 works too)
#
# The last line printed is the jar:
#   $cache/flink/testjob/<hash>/<version>/keyed-counter.jar
# where $cache is as in hack/flink-dist.sh and <hash> is the start of the
# sha256 over the job's sources and this script, so an edit of either builds
# a new jar and an unchanged tree reuses the old one. Concurrent callers are
# serialised with flock; the jar appears by one rename.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FLINK_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flink-operator}
src=$root/test/flinkjob/src
main_class=io.github.flinkops.testjob.KeyedCounter

log() { echo "flink-testjob: $*" >&2; }
die() { log "$*"; exit 1; }

[ $# -eq 1 ] || die "usage: $0 <flink-version>"
dist=$("$root/hack/flink-dist.sh" "$1" | tail -n 1)
version=$(basename "$dist")

for tool in javac jar flock sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "needs $tool to build the test job"
done

# Paths relative to the repository, so the hash is the same in every checkout.
hash=$(
  cd "$root"
  { find test/flinkjob/src -type f -name '*.java' | LC_ALL=C sort; echo hack/flink-testjob.sh; } |
    xargs sha256sum | sha256sum | cut -c1-12
)
out=$cache/flink/testjob/$hash/$version
jar=$out/keyed-counter.jar
if [ -f "$jar" ]; then
  echo "$jar"
  exit 0
fi

mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
if [ -f "$jar" ]; then
  echo "$jar"
  exit 0
fi

tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "compiling the test job against Flink $version"
mapfile -t sources < <(find "$src" -type f -name '*.java' | LC_ALL=C sort)
# lib/* is the classpath the job runs with (flink-dist holds the DataStream
# API and the datagen source in every supported version).
javac --release 17 -nowarn -encoding UTF-8 -cp "$dist/lib/*" -d "$tmp/classes" "${sources[@]}" ||
  die "javac failed for the test job against Flink $version ($dist/lib)"
jar --create --file "$tmp/keyed-counter.jar" --main-class "$main_class" -C "$tmp/classes" . ||
  die "jar failed to package the test job for Flink $version"
mv "$tmp/keyed-counter.jar" "$jar"
echo "$jar"
