#!/usr/bin/env python3
"""Writes a realistic mariadb-dump-shaped Bitrix dump of about SIZE_MB megabytes (row-per-line extended
INSERTs split at ~1 MB, Cyrillic + HTML with escapes, NULLs, decimals, zero dates) for the reader benchmark.
Usage: gen-dump.py OUT SIZE_MB"""
import random, sys

out_path, size_mb = sys.argv[1], int(sys.argv[2])
random.seed(42)
words = ["Роза", "букет", "доставка", "Алматы", "тюльпаны", "₸", "O\\'Reilly", "\\\"quoted\\\"", "<p class=\\\"a\\\">", "</p>",
         "line\\nbreak", "C:\\\\path", "flowers", "gift", "😀", "Қазақстан"]
def text(n):
    return " ".join(random.choice(words) for _ in range(n))
texts = [text(random.randint(20, 300)) for _ in range(500)]
shorts = [text(random.randint(1, 6)) for _ in range(500)]

tables = {
    "b_iblock_element": (["ID", "TIMESTAMP_X", "IBLOCK_ID", "ACTIVE", "NAME", "PREVIEW_TEXT", "DETAIL_TEXT", "XML_ID", "CODE", "WF_PARENT_ELEMENT_ID"],
        ["int(11)", "datetime", "int(11)", "char(1)", "varchar(255)", "text", "longtext", "varchar(255)", "varchar(255)", "int(11)"],
        lambda i: f"({i},'2024-03-15 12:34:56',5,'Y','{random.choice(shorts)}','{random.choice(shorts)}','{random.choice(texts)}','xml-{i}','code-{i}',NULL)", 0.25),
    "b_iblock_element_property": (["ID", "IBLOCK_PROPERTY_ID", "IBLOCK_ELEMENT_ID", "VALUE", "VALUE_TYPE", "VALUE_ENUM", "VALUE_NUM", "DESCRIPTION"],
        ["int(11)", "int(11)", "int(11)", "text", "char(4)", "int(11)", "decimal(18,4)", "varchar(255)"],
        lambda i: f"({i},{100 + i % 7},{i // 5},'{random.choice(shorts)}','text',NULL,{i * 1.25:.4f},NULL)", 0.12),
    "b_catalog_price": (["ID", "PRODUCT_ID", "CATALOG_GROUP_ID", "PRICE", "CURRENCY", "TIMESTAMP_X", "PRICE_SCALE"],
        ["int(11)", "int(11)", "int(11)", "decimal(18,2)", "char(3)", "timestamp", "decimal(26,12)"],
        lambda i: f"({i},{i},1,{i % 100000}.50,'KZT','2024-03-15 12:34:56',{i % 100000}.500000000000)", 0.05),
    "b_file": (["ID", "TIMESTAMP_X", "MODULE_ID", "HEIGHT", "WIDTH", "FILE_SIZE", "CONTENT_TYPE", "SUBDIR", "FILE_NAME", "ORIGINAL_NAME"],
        ["int(11)", "timestamp", "varchar(50)", "int(11)", "int(11)", "bigint(20)", "varchar(255)", "varchar(255)", "varchar(255)", "varchar(255)"],
        lambda i: f"({i},'2024-03-15 12:34:56','iblock',600,800,{i * 37},'image/jpeg','iblock/{i % 4096:03x}','{i:08x}.jpg','фото {i}.jpg')", 0.05),
    "b_sale_order": (["ID", "LID", "STATUS_ID", "DATE_STATUS", "PRICE", "CURRENCY", "USER_ID", "DATE_INSERT", "USER_DESCRIPTION", "PAY_VOUCHER_DATE"],
        ["int(11)", "char(2)", "varchar(2)", "datetime", "decimal(18,4)", "char(3)", "int(11)", "datetime", "varchar(2000)", "date"],
        lambda i: f"({i},'s1','N','2024-03-15 12:34:56',{i % 50000}.0000,'KZT',{i % 9000},'2024-03-15 12:34:56','{random.choice(shorts)}','0000-00-00')", 0.05),
    "b_sale_basket": (["ID", "FUSER_ID", "ORDER_ID", "PRODUCT_ID", "PRICE", "CURRENCY", "QUANTITY", "NAME", "DATE_INSERT"],
        ["int(11)", "int(11)", "int(11)", "int(11)", "decimal(18,4)", "char(3)", "double(18,4)", "varchar(255)", "datetime"],
        lambda i: f"({i},{i % 7000},{i // 3},{i % 40000},{i % 30000}.0000,'KZT',1,'{random.choice(shorts)}','2024-03-15 12:34:56')", 0.08),
    "b_search_content": (["ID", "DATE_CHANGE", "MODULE_ID", "ITEM_ID", "BODY", "TITLE"],
        ["int(11)", "datetime", "varchar(50)", "varchar(255)", "longtext", "text"],
        lambda i: f"({i},'2024-03-15 12:34:56','iblock','{i}','{random.choice(texts)}','{random.choice(shorts)}')", 0.40),
}
target = size_mb * 1_000_000
with open(out_path, "w", encoding="utf-8") as f:
    f.write("/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n/*!40101 SET NAMES utf8mb4 */;\n")
    for name, (cols, types, row, share) in tables.items():
        f.write(f"DROP TABLE IF EXISTS `{name}`;\nCREATE TABLE `{name}` (\n")
        f.write(",\n".join(f"  `{c}` {t} DEFAULT NULL" for c, t in zip(cols, types)))
        f.write("\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\nLOCK TABLES `" + name + "` WRITE;\n")
        budget = int(target * share)
        written, i = 0, 1
        while written < budget:
            stmt = [f"INSERT INTO `{name}` VALUES\n"]
            size = 0
            while size < 1_000_000 and written + size < budget:
                r = row(i); i += 1
                stmt.append(r); stmt.append(",\n"); size += len(r.encode()) + 2
            stmt[-1] = ";\n"
            s = "".join(stmt)
            f.write(s)
            written += len(s.encode())
        f.write("UNLOCK TABLES;\n")
    f.write("-- Dump completed on 2026-11-22 10:20:01\n")
