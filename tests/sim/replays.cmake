# Replays seeds that once failed (tests/sim/README.md, "Engine bugs found by this simulator") and
# fails if any of them fails now. A replay runs the seed's exact schedule against today's engine;
# the engine's choices may take the run elsewhere, so this guards the history, while the seed
# ranges of the other sim tests are what keeps covering the situations.
#   cmake -DCX_SIM=<path to cx_sim> -P replays.cmake
if(NOT CX_SIM)
  message(FATAL_ERROR "replays.cmake: pass -DCX_SIM=<path to cx_sim>")
endif()
set(replays
  # Split between two blocks certified at one height (rounds restarted at every height).
  "--replay 140 --validators 4 --twins 1"
  "--replay 3 --validators 7 --twins 2"
  # A certified block whose honest holders all crashed (the certified chain was memory only).
  "--replay 105 --validators 4 --twins 1 --withholding-twins"
  # Same, with no Byzantine node.
  "--replay 1490 --validators 4"
  # A certified block the chain left for a later-round branch, needed again by a QC of a later
  # round on its child (lft_engine.cpp keeps such blocks aside).
  "--replay 3980 --validators 4 --twins 1"
  # A QC whose block this node lacks: its votes were never re-sent, so the nodes holding the block
  # never learned it was certified (lft_engine.cpp re-sends the pending QC's votes at timeouts).
  "--replay 2575 --validators 4"
  "--replay 1923 --validators 4 --silent 1 --heights 6"
  "--replay 567 --validators 4 --wal-crash --heights 6"
  # A QC peers formed with a Byzantine validator's second vote: the nodes holding the block had
  # counted its first vote only and could never rebuild the QC (lft_engine.cpp counts a second
  # vote for the block held as the round's proposal).
  "--replay 4379 --validators 4 --twins 1"
  "--replay 1612 --validators 4 --twins 1 --withholding-twins"
  # A block certified while every honest holder of its body had crashed before learning it was
  # certified: their votes came back from the write-ahead records and formed the QC, everyone locked
  # on it, nobody had the block (channel.cpp records the body of every proposal it judges valid or
  # builds before the engine sees it, and delivers the records again after a restart).
  "--replay 1181 --validators 4 --wal-crash"
  "--replay 2795 --validators 4 --twins 1 --withholding-twins")
set(failed 0)
foreach(line IN LISTS replays)
  separate_arguments(args UNIX_COMMAND "${line}")
  execute_process(COMMAND ${CX_SIM} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(STATUS "ok: cx_sim ${line}")
  else()
    message(STATUS "FAILED (${rc}): cx_sim ${line}\n${out}${err}")
    math(EXPR failed "${failed} + 1")
  endif()
endforeach()
if(failed GREATER 0)
  message(FATAL_ERROR "${failed} replay(s) failed")
endif()
