// Runs after the consumer's `mvn verify` passed: its log is everything a user would see.
def log = new File(basedir, 'build.log').text

def version = (log =~ /consumer: server_version=(\S+)/)
assert version.find() : 'the consumer test printed no server_version'
assert version.group(1).startsWith(expectedMajor + '.') :
        "embedded PostgreSQL ${version.group(1)}, expected ${expectedMajor}.x"

// A consumer with the README's backend gets no SLF4J warning (none found, several found, old binding).
assert !log.contains('SLF4J(W)') && !log.contains('SLF4J: ') :
        'SLF4J warned: ' + log.readLines().findAll { it.contains('SLF4J') }.join('\n')

return true
