#!/bin/sh
# STYLE.md layering: core and proto do no I/O, read no clock, print nothing and include neither
# SDL nor libserialport; proto also uses no heap, no floating point and no stdio (the firmware
# compiles it). Prints each violation and fails when there is one.
cd "$(dirname "$0")/../src" || exit 2
bad=0
check() { # dir regex what
  hits=$(grep -nE "$2" "$1"/*.c "$1"/*.h 2>/dev/null | grep -vE '^\S+:[0-9]+:\s*(/\*|\*)')
  if [ -n "$hits" ]; then
    echo "layering: $1 must not $3:"
    echo "$hits"
    bad=1
  fi
}
for d in core proto; do
  check "$d" '#include\s*[<"](SDL|libserialport|unistd|fcntl|termios|poll|time|sys/)' "include OS, SDL or serial headers"
  check "$d" '\b(fopen|fread|fwrite|fprintf|printf|puts|putchar|perror|exit|abort|getenv|clock_gettime|gettimeofday|time|sleep|usleep|open|read|write|close)\(' "do I/O, read a clock or exit"
done
check proto '\b(malloc|calloc|realloc|free|float|double)\b|#include\s*<(stdio|stdlib|math)\.h>' "use the heap, floating point or stdio"
[ $bad -eq 0 ] && echo "layering: core and proto are pure"
exit $bad
