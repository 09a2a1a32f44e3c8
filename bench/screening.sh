#!/usr/bin/env bash
# Precision and recall of the screening module, in-process and deterministic: PII redaction per type and overall on a
# labelled corpus generated from a seed, and prompt-injection screening on its labelled set of attacks and benign
# look-alikes (io.colloquy.screening.ScreeningBench). Not part of CI.
# Usage: bench/screening.sh [corpus size, default 20000] [seed] [mistakes to print, default 20]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
export JAVA_HOME="${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -n1)}"
./mvnw -q -pl server test-compile -Dspotless.check.skip=true
./mvnw -q -pl server dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cd server
"$JAVA_HOME/bin/java" -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
    io.colloquy.screening.ScreeningBench "${1:-20000}" "${2:-20261128}" "${3:-20}"
