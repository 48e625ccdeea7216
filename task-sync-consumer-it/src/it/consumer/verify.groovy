// Runs after the consumer's `mvn verify` passed: its log is everything a user would see.
def log = new File(basedir, 'build.log').text

def version = (log =~ /consumer: server_version=(\S+)/)
assert version.find() : 'the consumer test printed no server_version'
assert version.group(1).startsWith(expectedMajor + '.') :
        "embedded PostgreSQL ${version.group(1)}, expected ${expectedMajor}.x"

// A consumer with the README's backend gets no SLF4J warning (none found, several found, old binding).
assert !log.contains('SLF4J(W)') && !log.contains('SLF4J: ') :
        'SLF4J warned: ' + log.readLines().findAll { it.contains('SLF4J') }.join('\n')

// The libraries attach their sources and javadoc jars, which `mvn install` and deploy publish beside
// their jars (what an IDE downloads for a user). invoker:install copies only the main jars into
// local-repo, so they are checked in the build that attached them.
['task-sync-core', 'task-sync-docker', 'task-sync-embedded'].each { artifact ->
    ['sources', 'javadoc'].each { classifier ->
        def jar = new File(rootDirectory, "${artifact}/target/${artifact}-${projectVersion}-${classifier}.jar")
        assert jar.isFile() && jar.length() > 0 : "not attached: ${jar}"
        def entries = new java.util.zip.ZipFile(jar).withCloseable { zip -> zip.entries().collect { it.name } }
        // a module's javadoc is under its module's name (dev.tasksync/dev/tasksync/...)
        assert entries.any { it.startsWith('dev/tasksync/') || it ==~ /[\w.]+\/dev\/tasksync\/.*/ } : "${jar} holds no dev/tasksync/ files"
        assert !entries.any { it.contains('dev/tasksync/internal/') && classifier == 'javadoc' } :
                "${jar} documents internals"
    }
}

return true
