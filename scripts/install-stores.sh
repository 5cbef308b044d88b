#!/bin/sh
# Debian packages the store and parser tests need (called by `make test`; idempotent, and fast when
# everything is installed: dpkg is asked first, apt only when something is missing).
#   raptor2-utils         rapper (Raptor RDF parser)
#   libapache-jena-java   Apache Jena jars, run as RIOT by scripts/riot (needs a Java runtime)
#   default-jre-headless  the Java runtime for RIOT
#   virtuoso-opensource   Virtuoso 7; the tests run it as a plain process, no service is started
set -eu
PKGS="raptor2-utils libapache-jena-java default-jre-headless virtuoso-opensource"
missing=""
for p in $PKGS; do
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-stores: installing$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
# The Virtuoso package asks for a DBA password on install; without a running server it is not
# applied anyway (the tests use their own database with dba/dba on 127.0.0.1).
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq $missing >/dev/null
# A package that did not install is an error here, not a skipped test later.
for p in $missing; do
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || { echo "install-stores: $p did not install" >&2; exit 1; }
done
