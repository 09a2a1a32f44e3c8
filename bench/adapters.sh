#!/usr/bin/env bash
# Spring AI's MessageWindowChatMemory over Colloquy's ChatMemoryRepository and over Spring AI's JDBC repository, on
# this machine in one run, at conversation lengths 10, 200 and 1,000: appends per second, rows and WAL bytes written per
# append (io.colloquy.springai.bench.AdapterBench). Not part of CI. Usage: bench/adapters.sh [appends per length, default 300]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
./mvnw -q install -pl clients/java -am -DskipTests -Dspotless.check.skip=true -Dspotbugs.skip=true
./mvnw -q test-compile -pl clients/spring-ai
./mvnw -q dependency:build-classpath -pl clients/spring-ai -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cd clients/spring-ai
java=$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -n1)/bin/java
[ -x "$java" ] || java="${JAVA_HOME:?set JAVA_HOME to a JDK 25}/bin/java"
"$java" -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.colloquy.springai.bench.AdapterBench "${1:-300}"
