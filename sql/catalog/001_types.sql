-- The upstream cvety.kz catalog (FastAPI + SQLModel on PostgreSQL), as `create_all` and the ad-hoc
-- migrations leave it. Facts: ../shared/reference/upstream.md §1. Backstop reads these tables and, when
-- applying merges, writes rows into them; it never alters them.
--
-- Enums hold the Python member NAMES (SQLAlchemy's default), not the lowercase API values.
-- shop.city is the exception (values_callable): it stores values, and run_migrations may have created
-- it with lowercase labels while the model writes 'Almaty'; both spellings exist here.

CREATE TYPE city AS ENUM ('almaty', 'astana', 'shymkent', 'aktobe', 'taraz', 'Almaty', 'Astana');
CREATE TYPE producttype AS ENUM ('FLOWERS', 'SWEETS', 'FRUITS', 'GIFTS', 'VITRINA', 'CATALOG');
CREATE TYPE orderstatus AS ENUM ('NEW', 'PAID', 'ACCEPTED', 'ASSEMBLED', 'IN_DELIVERY', 'DELIVERED', 'CANCELLED');
CREATE TYPE userrole AS ENUM ('SUPERADMIN', 'ADMIN', 'DIRECTOR', 'MANAGER', 'FLORIST', 'COURIER');
CREATE TYPE warehouseoperationtype AS ENUM ('DELIVERY', 'SALE', 'WRITEOFF', 'PRICE_CHANGE', 'INVENTORY');
