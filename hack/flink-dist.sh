#!/usr/bin/env bash
# Obtains an Apache Flink distribution for the dev cluster's emulated
# `flink:<minor>` image, without Docker: PyPI's apache-flink-libraries holds
# the JVM side of PyFlink, which is the distribution's lib/, opt/, plugins/
# and bin/bash-java-utils.jar (no bin/*.sh, no conf/, no examples/).
#
#   hack/flink-dist.sh 2.2       the release pinned for that minor (below)
#   hack/flink-dist.sh 2.2.1     an exact release of a minor in the table
#
# The last line printed is the distribution's folder:
#   $cache/flink/dist/<version>/{lib,opt,plugins,bin/bash-java-utils.jar}
# where $cache is $FLINK_OPERATOR_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/flink-operator). The archive is downloaded once
# into $cache/flink/downloads/, unpacked and then deleted: the unpacked tree
# is what is kept, and it is reused as long as it exists. Concurrent callers
# are serialised per version with flock, and the tree appears by one rename,
# so a caller never sees half of it.
#
# pip is the first of $PIP, pip3, pip, `python3 -m pip`; no virtualenv is
# needed since nothing is installed.
#
# Versions (PyPI apache-flink-libraries; every minor below was served in
# December 2026, and the newest patch of each is pinned):
#
#   | minor | release | PyPI archive      | files under | unpacked |
#   |-------|---------|-------------------|-------------|----------|
#   | 1.20  | 1.20.5  | sdist, 232 MB     | deps/       | 237 MB   |
#   | 2.0   | 2.0.2   | sdist             | deps/       | 311 MB   |
#   | 2.1   | 2.1.3   | sdist             | deps/       | 312 MB   |
#   | 2.2   | 2.2.1   | wheel, 313 MB     | pyflink/    | 315 MB   |
#   | 2.3   | 2.3.0   | wheel, 329 MB     | pyflink/    | 331 MB   |
set -euo pipefail

cache=${FLINK_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flink-operator}
downloads=$cache/flink/downloads
dists=$cache/flink/dist

# minor -> pinned release; keep in step with the table above.
declare -A releases=(
  [1.20]=1.20.5
  [2.0]=2.0.2
  [2.1]=2.1.3
  [2.2]=2.2.1
  [2.3]=2.3.0
)

log() { echo "flink-dist: $*" >&2; }
die() { log "$*"; exit 1; }

known() { printf '%s\n' "${!releases[@]}" | sort -V | paste -sd' '; }
usage() { die "usage: $0 <minor|version>; known minors: $(known)"; }

[ $# -eq 1 ] || usage
arg=$1
if [[ $arg =~ ^([0-9]+\.[0-9]+)$ ]]; then
  [ -n "${releases[$arg]:-}" ] || die "unknown Flink minor $arg; known minors: $(known)"
  version=${releases[$arg]}
elif [[ $arg =~ ^([0-9]+\.[0-9]+)\.[0-9]+$ ]]; then
  # Another patch of a known minor is allowed (PyPI says whether it exists);
  # the pinned one is what the dev cluster is tested with.
  [ -n "${releases[${BASH_REMATCH[1]}]:-}" ] ||
    die "unknown Flink version $arg: minor ${BASH_REMATCH[1]} is not in the table of $0"
  version=$arg
else
  usage
fi

dist=$dists/$version
# A finished tree only ever appears by rename, so its existence is enough.
if [ -f "$dist/lib/flink-dist-$version.jar" ]; then
  echo "$dist"
  exit 0
fi

pip_cmd() {
  if [ -n "${PIP:-}" ]; then
    # shellcheck disable=SC2086 # $PIP may be a command with arguments
    $PIP "$@"
  elif command -v pip3 >/dev/null 2>&1; then
    pip3 "$@"
  elif command -v pip >/dev/null 2>&1; then
    pip "$@"
  else
    python3 -m pip "$@"
  fi
}

for tool in flock unzip tar; do
  command -v "$tool" >/dev/null 2>&1 || die "needs $tool to unpack Flink $version"
done

mkdir -p "$downloads" "$dists"
exec 9>"$downloads/.$version.lock"
flock 9
# Another caller may have finished while this one waited for the lock.
if [ -f "$dist/lib/flink-dist-$version.jar" ]; then
  echo "$dist"
  exit 0
fi
# Leftovers of a caller that was killed; nobody else uses them under the lock.
rm -rf "$downloads/.tmp-$version".* "$dists/.tmp-$version".*

archive=$(find "$downloads" -maxdepth 1 -name "apache_flink_libraries-$version[.-]*" \( -name '*.whl' -o -name '*.tar.gz' \) | head -n 1)
if [ -z "$archive" ]; then
  log "downloading apache-flink-libraries==$version from PyPI (about 300 MB)"
  dl=$(mktemp -d "$downloads/.tmp-$version.XXXXXX")
  # An sdist (1.20) makes pip build its metadata, in an isolated build
  # environment that pip fills from PyPI; --no-build-isolation would need
  # setuptools and wheel installed here.
  if ! PIP_DISABLE_PIP_VERSION_CHECK=1 pip_cmd download --no-deps --no-cache-dir \
    --dest "$dl" "apache-flink-libraries==$version" >"$dl.log" 2>&1; then
    tail -n 20 "$dl.log" >&2
    rm -rf "$dl" "$dl.log"
    die "pip could not download apache-flink-libraries==$version (is that release on PyPI?)"
  fi
  rm -f "$dl.log"
  archive=$(find "$dl" -maxdepth 1 \( -name '*.whl' -o -name '*.tar.gz' \) | head -n 1)
  [ -n "$archive" ] || die "pip downloaded no wheel or sdist of apache-flink-libraries==$version into $dl"
  mv "$archive" "$downloads/"
  archive=$downloads/$(basename "$archive")
  rm -rf "$dl"
fi

log "unpacking $(basename "$archive")"
tmp=$(mktemp -d "$dists/.tmp-$version.XXXXXX")
mkdir -p "$tmp/x"
case $archive in
*.whl)
  unzip -q "$archive" 'pyflink/*' -d "$tmp/x"
  src=$tmp/x/pyflink
  ;;
*.tar.gz)
  tar -xzf "$archive" -C "$tmp/x" --strip-components=1 --wildcards '*/deps/*'
  src=$tmp/x/deps
  ;;
esac

# Keep what the image's /opt/flink has from this package; licences and the
# python side are not needed to run a cluster.
out=$tmp/dist
mkdir -p "$out/bin"
for d in lib opt plugins examples; do
  if [ -d "$src/$d" ]; then mv "$src/$d" "$out/$d"; fi
done
for jar in "$src"/bin/*.jar; do
  [ -e "$jar" ] && mv "$jar" "$out/bin/"
done
rm -rf "$tmp/x"
[ -f "$out/lib/flink-dist-$version.jar" ] ||
  die "$(basename "$archive") has no lib/flink-dist-$version.jar; left in $tmp"
[ -f "$out/bin/bash-java-utils.jar" ] ||
  die "$(basename "$archive") has no bin/bash-java-utils.jar; left in $tmp"

# Not a finished tree (no flink-dist jar), e.g. made by hand: replace it.
rm -rf "$dist"
mv "$out" "$dist"
rm -rf "$tmp"
rm -f "$archive"
log "Flink $version is in $dist ($(du -sh "$dist" | cut -f1))"
echo "$dist"
