#!/usr/bin/env bash
# Makes, once, the environment that runs the national comparison's Spark job in local mode
# (deploy/spark/national.py and its test): a Python venv with the pyspark pinned by hash in
# deploy/spark/requirements.txt, in $SANKU_SPARK_VENV (default $HOME/.cache/sanku/spark-venv),
# remade when that file changes. Checks for Java 17 or later and, where it is missing,
# installs Debian's openjdk-17-jre-headless (openjdk-21-jre-headless where there is no
# 17), as root or with sudo without a password; installs python3-venv the same way when
# Python lacks venv. Prints the path of the venv's spark-submit on stdout — a wrapper
# that runs the driver and the executors with the venv's Python — and everything else on
# stderr. Exit 2 when Java 17 or Python 3.10 cannot be had.
#
#   SPARK_SUBMIT=$(scripts/spark-env.sh)
#   "$SPARK_SUBMIT" --master 'local[2]' deploy/spark/national.py --registers ROOT --out OUT
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${SANKU_SPARK_VENV:-$HOME/.cache/sanku/spark-venv}
requirements=$PWD/deploy/spark/requirements.txt
python=${PYTHON:-python3}

say() { echo "spark-env: $*" >&2; }

# The major version of the Java at $1 (1.8 counts as 8), or nothing.
java_major() {
  "$1" -version 2>&1 | sed -n 's/.* version "\([0-9][0-9.]*\).*/\1/p' | head -n 1 |
    awk -F. '{ print ($1 == 1 ? $2 : $1) }'
}

# The Java Spark will start: $JAVA_HOME's, else the one on PATH.
spark_java() {
  if [[ -n ${JAVA_HOME:-} ]]; then echo "$JAVA_HOME/bin/java"; else command -v java || true; fi
}

# Installs Debian packages with apt-get, as root or through sudo without a password;
# fails, saying nothing, where it cannot.
apt_install() {
  local sudo=()
  command -v apt-get >/dev/null || return 1
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null && sudo -n true 2>/dev/null || return 1
    sudo=(sudo)
  fi
  say "installing $* with apt-get"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "$@" >&2
}

# Prints the JAVA_HOME Spark must be given, or nothing when the Java it finds is 17+.
find_java17() {
  local java major home
  java=$(spark_java)
  if [[ -n $java && -x $java ]]; then
    major=$(java_major "$java")
    if [[ -n $major && $major -ge 17 ]]; then
      say "Java $major: $java"
      return 0
    fi
  fi
  for java in /usr/lib/jvm/*/bin/java; do
    [[ -x $java ]] || continue
    major=$(java_major "$java")
    if [[ -n $major && $major -ge 17 ]]; then
      home=$(dirname "$(dirname "$java")")
      say "Java $major: $java (JAVA_HOME set for Spark)"
      echo "$home"
      return 0
    fi
  done
  return 1
}

if ! java_home=$(find_java17); then
  # Debian releases after 12 may carry only Java 21, which Spark 4.2 runs on too.
  if { apt_install openjdk-17-jre-headless || apt_install openjdk-21-jre-headless; } &&
    java_home=$(find_java17); then
    :
  else
    say "Spark needs Java 17 or later: none was found (JAVA_HOME, PATH, /usr/lib/jvm) and" \
      "none could be installed. Install a Java 17 runtime (Debian: openjdk-17-jre-headless)" \
      "or point JAVA_HOME at one, then run this again."
    exit 2
  fi
fi

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  say "pyspark needs Python 3.10 or later as $python (set PYTHON to another interpreter)"
  exit 2
fi
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  apt_install python3-venv || true
  if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    say "$python cannot make a venv: install its venv module (Debian: python3-venv)"
    exit 2
  fi
fi

submit=$venv/bin/sanku-spark-submit
stamp=$venv/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if ! [[ -x $venv/bin/spark-submit && -f $stamp && $(cat "$stamp") == "$want" ]]; then
  say "making $venv (pyspark, about 450 MB, once)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes \
    -r "$requirements" >&2
  echo "$want" >"$stamp"
fi

# The wrapper is written anew each time, as the Java found may have changed; into a new
# file, so that a wrapper a running spark-submit is reading stays whole.
cat >"$submit.new" <<EOF
#!/usr/bin/env bash
# spark-submit with this venv's Python on the driver and the executors.
here=\$(cd "\$(dirname "\$0")" && pwd)
export PYSPARK_PYTHON=\${PYSPARK_PYTHON:-\$here/python}
export PYSPARK_DRIVER_PYTHON=\${PYSPARK_DRIVER_PYTHON:-\$here/python}
${java_home:+export JAVA_HOME=$java_home}
exec "\$here/spark-submit" "\$@"
EOF
chmod +x "$submit.new"
mv -f "$submit.new" "$submit"
echo "$submit"
