-- A test file that does not load: the runner reports it as a failure at its line.
function test_never_runs(
