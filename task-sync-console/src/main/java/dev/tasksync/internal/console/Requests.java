package dev.tasksync.internal.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;

import java.util.Map;

/** What every route reads from a request (path numbers, the viewer) and how it answers (JSON, a redirect, an error). */
final class Requests {
    private Requests() {
    }

    /** Bad input from the request: a 400 whose message names the field. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    static boolean isApi(Context ctx) {
        return ctx.path().startsWith("/api/");
    }

    /** Answers with the error and runs no further handler (used by the guard, before any route). */
    static void halt(Context ctx, int status, String message) {
        fail(ctx, status, message);
        ctx.skipRemainingHandlers();
    }

    /** JSON for the API and the event streams (whose clients read JSON), plain text for pages. */
    static void fail(Context ctx, int status, String message) {
        ctx.status(status);
        if (isApi(ctx) || ctx.path().endsWith("/events")) {
            ctx.contentType("application/json").result(ApiJson.write(ApiJson.error(message)));
        } else {
            ctx.contentType("text/plain; charset=utf-8").result(status + ": " + message);
        }
    }

    /** Who asks: set by the guard for every route behind it. */
    static Viewer viewer(Context ctx) {
        return ctx.attribute("viewer");
    }

    static String remote(Context ctx) {
        return ctx.ip();
    }

    /** A change's answer: 202 and JSON to the API, a redirect back to the page to a form. */
    static void answer(Context ctx, String page, String action, Map<String, Object> result) {
        if (isApi(ctx)) {
            var n = ApiJson.MAPPER.createObjectNode().put("action", action);
            result.forEach((k, val) -> n.set(k, ApiJson.MAPPER.valueToTree(val)));
            ctx.status(202);
            json(ctx, n);
        } else {
            ctx.redirect(page, HttpStatus.SEE_OTHER);
        }
    }

    static void json(Context ctx, JsonNode body) {
        ctx.contentType("application/json").result(ApiJson.write(body));
    }

    static int id(Context ctx) {
        return number("id", ctx.pathParam("id"));
    }

    static int number(String field, String text) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new BadRequest(field + ": '" + text + "' is not a whole number from 1 to " + Integer.MAX_VALUE);
    }
}
