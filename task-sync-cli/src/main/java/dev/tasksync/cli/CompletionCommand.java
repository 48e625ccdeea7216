package dev.tasksync.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.util.Map;

@Command(name = "completion", description = {
        "Print a completion script for bash or zsh (commands, subcommands and options complete with TAB).",
        "zsh uses it through bashcompinit, which the zsh script loads itself."},
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  source <(task-sync completion bash)                           # this shell only",
                "  task-sync completion bash > ~/.local/share/bash-completion/completions/task-sync",
                "  echo 'source <(task-sync completion zsh)' >> ~/.zshrc",
                "",
                "The script completes the command 'task-sync'; for the ./task-sync launcher of a checkout, put it on",
                "the PATH (ln -s \"$PWD/task-sync\" ~/.local/bin/task-sync) or add: complete -F _complete_task-sync ./task-sync"})
final class CompletionCommand extends BaseCommand {
    /** The shells a script can be printed for. */
    enum Shell { bash, zsh }

    static final String COMMAND = "task-sync";

    @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
    Shell shell;

    @Override
    public Integer call() {
        out().print(script(shell));
        out().flush();
        return Cli.OK;
    }

    static String script(Shell shell) {
        String bash = AutoComplete.bash(COMMAND, fullCommandLine());
        if (shell == Shell.bash) {
            return bash;
        }
        // zsh runs bash completion functions through bashcompinit (after compinit)
        return "#compdef " + COMMAND + "\n"
                + "# task-sync completion for zsh (bash's completion, through bashcompinit)\n"
                + "if ! whence -w compdef >/dev/null 2>&1; then autoload -U +X compinit && compinit; fi\n"
                + "if ! whence -w complete >/dev/null 2>&1; then autoload -U +X bashcompinit && bashcompinit; fi\n"
                + bash;
    }

    /** Every command and subcommand (the command line of one invocation registers only the one it runs). */
    private static CommandLine fullCommandLine() {
        CommandLine full = new CommandLine(new TaskSyncCommand(Map.of(), InputStream.nullInputStream(), false));
        TaskSyncCommand.COMMANDS.keySet().forEach(name -> full.addSubcommand(name, Cli.command(name, null)));
        return full;
    }
}
