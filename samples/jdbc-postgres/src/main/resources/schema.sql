CREATE TABLE IF NOT EXISTS sample_orders (
    id         VARCHAR(64) PRIMARY KEY,
    customer   VARCHAR(200) NOT NULL,
    cents      BIGINT NOT NULL,
    status     VARCHAR(20) NOT NULL
);
