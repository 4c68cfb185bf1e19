-- AsyncTasQ JDBC driver: schema for MariaDB (10.6+) and MySQL (8.0+), InnoDB.
--
-- Table names start with the default prefix "asynctasq_". With asynctasq.jdbc.table-prefix set to
-- something else, replace every "asynctasq_" below with that prefix (the driver does the same when it
-- creates the schema itself). Every statement is idempotent (MySQL has no CREATE INDEX IF NOT EXISTS,
-- so the indexes are declared inside CREATE TABLE).
--
-- Times are DATETIME(6) in UTC (UTC_TIMESTAMP(6)), so the session time zone never matters.
-- asynctasq_tasks holds ready, delayed and in-flight tasks (as in schema-postgresql.sql):
--   ready     available_at <= now
--   delayed   available_at > now, lease_token IS NULL
--   in flight available_at > now, lease_token set: a reservation sets available_at (and lease_until)
--             to its lease deadline; lease_token fences acknowledge/retry/release/dead-letter
-- Reserve walks asynctasq_tasks_reserve_idx (queue, available_at, seq; InnoDB appends the primary key)
-- with LIMIT n and FOR UPDATE SKIP LOCKED at READ COMMITTED, then updates the rows it locked by primary
-- key; their new reserve_idx entries sit after now, where no reservation reads, and at READ COMMITTED
-- no gap is locked. counts() reads the totals from asynctasq_queue_counts and ranges over only the
-- delayed and in-flight rows. A table created before asynctasq_queue_counts existed gets it, counted
-- once, from the last two statements of this script.

CREATE TABLE IF NOT EXISTS asynctasq_tasks (
    seq          BIGINT       NOT NULL AUTO_INCREMENT,
    id           VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    queue        VARCHAR(80)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    body         LONGBLOB     NOT NULL,
    attempts     INT          NOT NULL DEFAULT 0,
    available_at DATETIME(6)  NOT NULL,
    lease_token  VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NULL,
    lease_until  DATETIME(6)  NULL,
    enqueued_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (seq),
    UNIQUE KEY asynctasq_tasks_id_key (id),
    KEY asynctasq_tasks_reserve_idx (queue, available_at, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Dead letters, listed oldest first per queue through asynctasq_dead_letters_queue_idx.
CREATE TABLE IF NOT EXISTS asynctasq_dead_letters (
    seq              BIGINT       NOT NULL AUTO_INCREMENT,
    id               VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    queue            VARCHAR(80)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    body             LONGBLOB     NOT NULL,
    attempts         INT          NOT NULL,
    reason           TEXT         NOT NULL,
    error_class      TEXT         NULL,
    error_message    MEDIUMTEXT   NULL,
    stack_trace      MEDIUMTEXT   NULL,
    enqueued_at      DATETIME(6)  NOT NULL,
    dead_lettered_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (seq),
    UNIQUE KEY asynctasq_dead_letters_id_key (id),
    KEY asynctasq_dead_letters_queue_idx (queue, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Worker heartbeats (see schema-postgresql.sql).
CREATE TABLE IF NOT EXISTS asynctasq_workers (
    worker_id  VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    heartbeat  MEDIUMTEXT   NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (worker_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Totals per queue, for counts() (see schema-postgresql.sql): 16 slot rows per queue, added to by the
-- driver in the same transaction as every insert and delete of tasks and dead letters. Rows written or
-- deleted by other means than the driver must add or subtract here too, or the counts drift; to count
-- again from the tables, with no instance running:
--   START TRANSACTION; DELETE FROM asynctasq_queue_counts; <the INSERT below>; COMMIT;
CREATE TABLE IF NOT EXISTS asynctasq_queue_counts (
    queue        VARCHAR(80)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    slot         SMALLINT     NOT NULL,
    tasks        BIGINT       NOT NULL DEFAULT 0,
    dead_letters BIGINT       NOT NULL DEFAULT 0,
    PRIMARY KEY (queue, slot)
) ENGINE=InnoDB;

-- Counts the rows once, when asynctasq_queue_counts is new, into slot -1 (see schema-postgresql.sql);
-- a table with rows skips the scans ("Impossible WHERE").
INSERT IGNORE INTO asynctasq_queue_counts (queue, slot, tasks, dead_letters)
SELECT queue, -1, SUM(tasks), SUM(dead_letters)
FROM (SELECT queue, COUNT(*) AS tasks, 0 AS dead_letters FROM asynctasq_tasks GROUP BY queue
      UNION ALL
      SELECT queue, 0, COUNT(*) FROM asynctasq_dead_letters GROUP BY queue) existing
WHERE NOT EXISTS (SELECT 1 FROM asynctasq_queue_counts)
GROUP BY queue;

-- Task results (asynctasq.results.enabled), one row per task: the latest attempt's outcome as the driver's
-- JSON form of a TaskResult (TaskResultJson), kept until expires_at. A read ignores an expired row; the
-- driver deletes expired rows now and then (at most once a minute per instance, 500 rows per statement)
-- through asynctasq_results_expires_idx.
CREATE TABLE IF NOT EXISTS asynctasq_results (
    task_id    VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    result     MEDIUMTEXT   NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (task_id),
    KEY asynctasq_results_expires_idx (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
