-- The invalid-UTF-8 probe (12-invalid-utf8-blob.sql): a BLOB holding lead bytes without their
-- continuation (C3 41, E2 41 41, F0 41 41 41), a lone lead byte (DF), valid UTF-8 (C3 A9) and a lone
-- continuation byte (80). mariadb-dump writes them raw, with no extra backslashes.
SET NAMES utf8mb4;
DROP DATABASE IF EXISTS bxbin;
CREATE DATABASE bxbin DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE bxbin;
CREATE TABLE bin_probe (ID int NOT NULL, B blob NULL, PRIMARY KEY (ID));
INSERT INTO bin_probe (ID, B) VALUES
 (1, UNHEX('C341')), (2, UNHEX('E24141')), (3, UNHEX('F0414141')), (4, UNHEX('DF')), (5, UNHEX('C3A9')), (6, UNHEX('80'));
