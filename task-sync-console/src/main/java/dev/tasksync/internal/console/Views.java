package dev.tasksync.internal.console;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;

/** The console's jte templates (precompiled into the jar, HTML-escaping every value). */
final class Views {
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);

    String render(String template, Object model) {
        StringOutput out = new StringOutput();
        templates.render(template + ".jte", model, out);
        return out.toString();
    }
}
