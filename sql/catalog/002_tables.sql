-- Table names are the lowercased SQLModel class names; columns are the Python field names, so the
-- mixed-case ones ("customerName", "orderNumber", "manufacturingTime", "shelfLife") must be quoted.
-- Money is integer kopecks (1/100 ₸) everywhere. Timestamps are `timestamp without time zone`
-- except orderhistory.changed_at.

CREATE TABLE "user" (
    id            serial PRIMARY KEY,
    name          varchar NOT NULL,
    phone         varchar(20) NOT NULL UNIQUE,
    role          userrole NOT NULL DEFAULT 'MANAGER',
    is_active     boolean NOT NULL DEFAULT true,
    is_superadmin boolean NOT NULL DEFAULT false,
    invited_by    integer REFERENCES "user"(id),
    shop_id       integer,
    password_hash varchar,
    created_at    timestamp NOT NULL DEFAULT now(),
    updated_at    timestamp NOT NULL DEFAULT now()
);

CREATE TABLE shop (
    id                   serial PRIMARY KEY,
    name                 varchar(200) NOT NULL DEFAULT 'Мой магазин',
    owner_id             integer NOT NULL UNIQUE REFERENCES "user"(id),
    phone                varchar(20),
    address              varchar(500),
    city                 city,
    weekday_start        varchar DEFAULT '09:00',
    weekday_end          varchar DEFAULT '18:00',
    weekday_closed       boolean DEFAULT false,
    weekend_start        varchar DEFAULT '10:00',
    weekend_end          varchar DEFAULT '17:00',
    weekend_closed       boolean DEFAULT false,
    delivery_cost        integer NOT NULL DEFAULT 150000,
    free_delivery_amount integer NOT NULL DEFAULT 1000000,
    pickup_available     boolean DEFAULT true,
    delivery_available   boolean DEFAULT true,
    is_active            boolean DEFAULT true,
    created_at           timestamp NOT NULL DEFAULT now(),
    updated_at           timestamp NOT NULL DEFAULT now()
);

ALTER TABLE "user" ADD CONSTRAINT user_shop_id_fkey FOREIGN KEY (shop_id) REFERENCES shop(id);

CREATE TABLE shopsettings (
    id         serial PRIMARY KEY,
    shop_id    integer NOT NULL REFERENCES shop(id),
    key        varchar(100) NOT NULL,
    value      varchar(1000),
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp NOT NULL DEFAULT now()
);

CREATE TABLE pickuplocation (
    id         serial PRIMARY KEY,
    shop_id    integer NOT NULL REFERENCES shop(id),
    city       city,
    address    varchar(500) NOT NULL,
    created_at timestamp NOT NULL DEFAULT now()
);

-- product.id is the Bitrix iblock element id for Bitrix-origin products (inserted explicitly; the
-- sequence does not advance) and a product_id_seq value for local ones: one id space, no origin flag.
CREATE TABLE product (
    id                  serial PRIMARY KEY,
    shop_id             integer NOT NULL REFERENCES shop(id),
    name                varchar(200) NOT NULL,
    price               integer NOT NULL,
    type                producttype NOT NULL DEFAULT 'FLOWERS',
    description         varchar(1000),
    "manufacturingTime" integer,
    width               integer,
    height              integer,
    "shelfLife"         integer,
    enabled             boolean NOT NULL DEFAULT true,
    is_featured         boolean DEFAULT false,
    colors              json,
    occasions           json,
    cities              json DEFAULT '[]',
    tags                json DEFAULT '[]',
    image               varchar(500),
    -- added by migrate.py and never used
    manufacturing_time  integer DEFAULT 2,
    created_at          timestamp NOT NULL DEFAULT now(),
    updated_at          timestamp NOT NULL DEFAULT now()
);
CREATE INDEX ix_product_shop_id ON product (shop_id);

-- No unique constraint on (product_id, "order") nor on is_primary; no ON DELETE CASCADE.
CREATE TABLE productimage (
    id         serial PRIMARY KEY,
    product_id integer NOT NULL REFERENCES product(id),
    url        varchar(500) NOT NULL,
    "order"    integer NOT NULL DEFAULT 0,
    is_primary boolean DEFAULT false,
    created_at timestamp NOT NULL DEFAULT now()
);
CREATE INDEX ix_productimage_product_id ON productimage (product_id);

CREATE TABLE productvariant (
    id         serial PRIMARY KEY,
    product_id integer NOT NULL REFERENCES product(id),
    size       varchar(10) NOT NULL,
    price      integer NOT NULL,
    enabled    boolean DEFAULT true,
    created_at timestamp NOT NULL DEFAULT now()
);

CREATE TABLE productaddon (
    id          serial PRIMARY KEY,
    product_id  integer NOT NULL REFERENCES product(id),
    name        varchar(200) NOT NULL,
    description varchar(500),
    price       integer NOT NULL DEFAULT 0,
    is_default  boolean DEFAULT false,
    enabled     boolean DEFAULT true,
    created_at  timestamp NOT NULL DEFAULT now()
);

CREATE TABLE productbundle (
    id                 serial PRIMARY KEY,
    main_product_id    integer NOT NULL REFERENCES product(id),
    bundled_product_id integer NOT NULL REFERENCES product(id),
    display_order      integer DEFAULT 0,
    enabled            boolean DEFAULT true,
    created_at         timestamp NOT NULL DEFAULT now()
);

CREATE TABLE client (
    id                  serial PRIMARY KEY,
    phone               varchar(20) NOT NULL,
    "customerName"      varchar(200),
    notes               varchar(2000),
    shop_id             integer NOT NULL REFERENCES shop(id),
    telegram_user_id    varchar(50),
    telegram_username   varchar(100),
    telegram_first_name varchar(100),
    created_at          timestamp NOT NULL DEFAULT now(),
    updated_at          timestamp NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_client_phone_shop ON client (phone, shop_id);
CREATE INDEX idx_client_phone_name ON client (phone, "customerName");
CREATE INDEX idx_client_created_at ON client (created_at);
CREATE INDEX idx_client_telegram ON client (telegram_user_id, shop_id);

CREATE TABLE client_profile (
    id                    serial PRIMARY KEY,
    client_id             integer NOT NULL REFERENCES client(id) ON DELETE CASCADE,
    shop_id               integer NOT NULL REFERENCES shop(id) ON DELETE CASCADE,
    avg_order_total       integer,
    min_order_total       integer,
    max_order_total       integer,
    total_orders_count    integer DEFAULT 0,
    frequent_recipients   text,
    allow_personalization boolean NOT NULL DEFAULT true,
    last_order_at         timestamp,
    created_at            timestamp NOT NULL DEFAULT now(),
    updated_at            timestamp NOT NULL DEFAULT now(),
    CONSTRAINT uq_client_profile_client_shop UNIQUE (client_id, shop_id)
);

-- "order" is a reserved word: always quoted. bitrix_order_id is indexed but NOT unique, and no code
-- in the backend writes it.
CREATE TABLE "order" (
    id                         serial PRIMARY KEY,
    shop_id                    integer NOT NULL REFERENCES shop(id),
    tracking_id                varchar(9) NOT NULL,
    "orderNumber"              varchar(20) NOT NULL UNIQUE,
    "customerName"             varchar(100) NOT NULL,
    phone                      varchar(20) NOT NULL,
    customer_email             varchar(255),
    delivery_address           varchar(500),
    delivery_date              timestamp,
    delivery_notes             varchar(500),
    subtotal                   integer NOT NULL,
    delivery_cost              integer NOT NULL DEFAULT 0,
    total                      integer NOT NULL,
    status                     orderstatus NOT NULL DEFAULT 'NEW',
    notes                      varchar(1000),
    telegram_user_id           varchar(50),
    bitrix_order_id            integer,
    recipient_name             varchar(100),
    recipient_phone            varchar(20),
    sender_phone               varchar(20),
    pickup_address             varchar(500),
    delivery_type              varchar(20),
    scheduled_time             varchar(100),
    payment_method             varchar(20),
    order_comment              varchar(1000),
    bonus_points               integer DEFAULT 0,
    kaspi_payment_id           varchar(50),
    kaspi_payment_status       varchar(20),
    kaspi_payment_created_at   timestamp,
    kaspi_payment_completed_at timestamp,
    ask_delivery_address       boolean DEFAULT false,
    ask_delivery_time          boolean DEFAULT false,
    assigned_to_id             integer REFERENCES "user"(id),
    courier_id                 integer REFERENCES "user"(id),
    assigned_by_id             integer REFERENCES "user"(id),
    assigned_at                timestamp,
    created_at                 timestamp NOT NULL DEFAULT now(),
    updated_at                 timestamp NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_order_tracking_id ON "order" (tracking_id);
CREATE INDEX idx_order_bitrix_id ON "order" (bitrix_order_id);
CREATE INDEX ix_order_bitrix_order_id ON "order" (bitrix_order_id);

CREATE TABLE orderitem (
    id               serial PRIMARY KEY,
    order_id         integer NOT NULL REFERENCES "order"(id),
    product_id       integer NOT NULL REFERENCES product(id),
    product_name     varchar(200) NOT NULL,
    product_price    integer NOT NULL,
    quantity         integer NOT NULL CHECK (quantity >= 1),
    item_total       integer NOT NULL,
    special_requests varchar(500),
    created_at       timestamp NOT NULL DEFAULT now(),
    updated_at       timestamp NOT NULL DEFAULT now()
);
CREATE INDEX ix_orderitem_order_id ON orderitem (order_id);

CREATE TABLE orderphoto (
    id              serial PRIMARY KEY,
    order_id        integer NOT NULL REFERENCES "order"(id),
    photo_url       varchar(500) NOT NULL,
    photo_type      varchar(20),
    label           varchar(100),
    client_feedback varchar(10),
    client_comment  varchar(1000),
    feedback_at     timestamp,
    uploaded_at     timestamp NOT NULL DEFAULT now()
);

CREATE TABLE orderhistory (
    id         serial PRIMARY KEY,
    order_id   integer NOT NULL REFERENCES "order"(id),
    changed_by varchar(20) NOT NULL,
    field_name varchar(100) NOT NULL,
    old_value  varchar(1000),
    new_value  varchar(1000),
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_orderhistory_order_id ON orderhistory (order_id);

CREATE TABLE ordercounter (
    id      serial PRIMARY KEY,
    counter integer NOT NULL DEFAULT 0
);

CREATE TABLE warehouseitem (
    id                 serial PRIMARY KEY,
    name               varchar(200) NOT NULL,
    quantity           integer NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    cost_price         integer NOT NULL,
    retail_price       integer NOT NULL,
    image              varchar(500),
    last_delivery_date timestamp,
    min_quantity       integer DEFAULT 10,
    shop_id            integer NOT NULL REFERENCES shop(id),
    created_at         timestamp NOT NULL DEFAULT now(),
    updated_at         timestamp NOT NULL DEFAULT now()
);

CREATE TABLE warehouseoperation (
    id                serial PRIMARY KEY,
    warehouse_item_id integer NOT NULL REFERENCES warehouseitem(id),
    operation_type    warehouseoperationtype NOT NULL,
    quantity_change   integer NOT NULL DEFAULT 0,
    balance_after     integer NOT NULL DEFAULT 0,
    old_value         varchar(100),
    new_value         varchar(100),
    order_id          integer REFERENCES "order"(id),
    user_id           integer REFERENCES "user"(id),
    created_at        timestamp NOT NULL DEFAULT now()
);

CREATE TABLE productrecipe (
    id                serial PRIMARY KEY,
    product_id        integer NOT NULL REFERENCES product(id),
    warehouse_item_id integer NOT NULL REFERENCES warehouseitem(id),
    quantity          integer NOT NULL CHECK (quantity > 0),
    is_optional       boolean DEFAULT false
);

CREATE TABLE orderreservation (
    id                serial PRIMARY KEY,
    order_id          integer NOT NULL REFERENCES "order"(id),
    warehouse_item_id integer NOT NULL REFERENCES warehouseitem(id),
    reserved_quantity integer NOT NULL,
    created_at        timestamp NOT NULL DEFAULT now()
);

-- The legacy twin from migrations/add_order_reservation_table.py.
CREATE TABLE order_reservation (
    id                serial PRIMARY KEY,
    order_id          integer NOT NULL REFERENCES "order"(id),
    warehouse_item_id integer NOT NULL REFERENCES warehouseitem(id),
    reserved_quantity integer NOT NULL,
    created_at        timestamp NOT NULL DEFAULT now()
);
