package dev.tasksync;

/**
 * One page of {@link TaskSync#taskSummaries(TaskQuery)}: tasks newest first, keyset-paged so that any page
 * costs the same however many tasks there are.
 *
 * @param search   part of the name (case-insensitive), or null for any
 * @param status   a {@link TaskStatus}, or null for any
 * @param beforeId only tasks with a smaller id (the last id of the previous page), or null for the first page
 * @param limit    at most this many tasks (1 to {@link #MAX_LIMIT})
 */
public record TaskQuery(String search, TaskStatus status, Integer beforeId, int limit) {
    public static final int MAX_LIMIT = 1000;

    public TaskQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT + ", was " + limit);
        }
        if (search != null && search.isBlank()) {
            search = null;
        }
    }

    public static TaskQuery first(int limit) {
        return new TaskQuery(null, null, null, limit);
    }

    public TaskQuery withSearch(String search) {
        return new TaskQuery(search, status, beforeId, limit);
    }

    public TaskQuery withStatus(TaskStatus status) {
        return new TaskQuery(search, status, beforeId, limit);
    }

    public TaskQuery before(Integer id) {
        return new TaskQuery(search, status, id, limit);
    }
}
