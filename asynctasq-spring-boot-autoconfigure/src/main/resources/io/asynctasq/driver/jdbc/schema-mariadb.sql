-- AsyncTasQ JDBC driver: schema for MariaDB (10.6+) and MySQL (8.0+), InnoDB.
--
-- Table names start with the default prefix "asynctasq_". With asynctasq.jdbc.table-prefix set to
-- something else, replace every "asynctasq_" below with that prefix (the driver does the same when it
-- creates the schema itself). Every statement is idempotent (MySQL has no CREATE INDEX IF NOT EXISTS,
-- so the indexes are declared inside CREATE TABLE).
--
-- Times are DATETIME(6) in UTC (UTC_TIMESTAMP(6)), so the session time zone never matters.
-- asynctasq_tasks holds ready, delayed and in-flight tasks:
--   ready     lease_until IS NULL (or in the past: an expired lease) and available_at <= now
--   delayed   available_at > now
--   in flight lease_until > now; lease_token fences acknowledge/retry/release/dead-letter
-- Reserve walks asynctasq_tasks_reserve_idx (queue, available_at, seq; InnoDB appends the primary key)
-- with LIMIT n and FOR UPDATE SKIP LOCKED at READ COMMITTED. The columns a reservation changes
-- (attempts, lease_token, lease_until) are in no secondary index, so the reserving UPDATE locks only the
-- clustered rows the SELECT already holds: no secondary-index locks that concurrent reservers could
-- wait on in the opposite order.

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
