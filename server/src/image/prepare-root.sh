#!/usr/bin/env bash
# The image's own files (Jib's extra directory, on top of "scratch"): a jlink'ed Java runtime from the
# build's JDK, the few glibc libraries it links, a non-root user, /tmp and a writable /data. No shell, no
# package manager, no other tool. Usage: prepare-root.sh JAVA_HOME OUTPUT_DIR
set -euo pipefail
java_home="$1"
root="$2"
rm -rf "$root"
mkdir -p "$root/opt" "$root/etc" "$root/tmp" "$root/data" "$root/lib/x86_64-linux-gnu" "$root/lib64"
"$java_home/bin/jlink" \
  --add-modules java.se,jdk.unsupported,jdk.crypto.cryptoki,jdk.management,jdk.naming.dns,jdk.zipfs,jdk.jfr,jdk.net,jdk.localedata,jdk.incubator.vector \
  --strip-debug --no-header-files --no-man-pages --output "$root/opt/java" 2>/dev/null
for lib in libc.so.6 libdl.so.2 libm.so.6 libpthread.so.0 librt.so.1 libz.so.1 libgcc_s.so.1; do
  if [ -e "/lib/x86_64-linux-gnu/$lib" ]; then
    cp -L "/lib/x86_64-linux-gnu/$lib" "$root/lib/x86_64-linux-gnu/$lib"
  fi
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"
printf 'root:x:0:0:root:/nonexistent:/sbin/nologin\ncolloquy:x:65532:65532:colloquy:/data:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\ncolloquy:x:65532:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
