import BackstopModel
import Testing

@Suite struct RedactionTests {
    @Test(arguments: [
        ("postgresql://app:s3cr%40t@db:5432/cvety", "postgresql://app:***@db:5432/cvety"),
        ("postgres://user:PASSWORD@host/db?sslmode=require", "postgres://user:***@host/db?sslmode=require"),
        ("host=db user=app password=s3cret dbname=cvety", "host=db user=app password=*** dbname=cvety"),
        ("host=db password = 'a b\\'c' dbname=x", "host=db password = *** dbname=x"),
        ("postgresql:///cvety?host=/run&password=x1&user=a", "postgresql:///cvety?host=/run&password=***&user=a"),
        ("sslpassword=k3y host=x", "sslpassword=*** host=x"),
        ("https://api/?token=abc.def&x=1", "https://api/?token=***&x=1"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "Authorization: Bearer ***"),
        ("{\"api_key\": \"zz\"}", "{\"api_key\": ***}"),
        ("no secret here: 42 rows, host=db", "no secret here: 42 rows, host=db"),
        ("/work/main/.backstop/pg/sock:55432/cvety_demo", "/work/main/.backstop/pg/sock:55432/cvety_demo"),
        ("https://cvety.kz/upload/iblock/a1b/main.jpg", "https://cvety.kz/upload/iblock/a1b/main.jpg"),
    ])
    func secretsAreMasked(input: String, expected: String) {
        #expect(Redaction.redact(input) == expected)
        #expect(Redaction.redact(expected) == expected, "redaction is idempotent")
    }

    @Test func commandLinesLoseTheValueAfterASecretOption() {
        #expect(
            Redaction.redact(arguments: ["diff", "--token", "abc", "--catalog", "postgresql://u:p@h/d", "--token=x"])
                == ["diff", "--token", "***", "--catalog", "postgresql://u:***@h/d", "--token=***"])
    }
}
