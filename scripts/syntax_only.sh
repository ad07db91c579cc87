#!/bin/sh
# Compiler launcher for the thread_safety_check targets (CMakeLists.txt): runs the compile command it
# is given with -fsyntax-only, so clang parses, instantiates and runs its analyses (the thread-safety
# analysis among them) without generating code, then leaves an empty object file where the command
# said to write one, so that ninja sees the step done and reruns it only when a dependency changes.
out=""
prev=""
for arg in "$@"; do
  if [ "$prev" = "-o" ]; then out="$arg"; fi
  prev="$arg"
done
"$@" -fsyntax-only || exit $?
if [ -n "$out" ]; then : > "$out"; fi
