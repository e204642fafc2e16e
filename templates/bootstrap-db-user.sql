-- Keycloak's IAM-authenticated database user (keycloak.credentials: iam). Idempotent: run
-- it as often as you like. Run by the keycloak-<name> stack's bootstrap Job, with psql, as
-- the RDS master user, connected to Keycloak's database:
--
--   psql --no-psqlrc --set=ON_ERROR_STOP=1 --set=iam_user=keycloak_iam \
--        --set=owner_role=keycloak_iam_owner --set=schema=public --file=bootstrap-db-user.sql
--
-- The roles:
--   :iam_user    LOGIN, no password, member of rds_iam (RDS then accepts IAM tokens only).
--                It owns nothing: every session acts as :owner_role (ALTER ROLE ... SET role).
--   :owner_role  NOLOGIN; owns Keycloak's tables, sequences and the rest in :schema.
--   the master   joins :owner_role (to hand objects over and for break-glass use), never
--                :iam_user: membership is transitive, and a member of rds_iam (even through
--                another role) could lose its password login. Its password stays as it is.
-- Every identifier goes through format('%I') or psql's :"name", so names are quoted safely.
\set ON_ERROR_STOP on
BEGIN;

-- 1. The roles. CREATE ROLE has no IF NOT EXISTS: \gexec runs the generated statement only
--    when the query returns a row, i.e. when the role is missing.
SELECT format('CREATE ROLE %I NOLOGIN', :'owner_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner_role') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'iam_user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'iam_user') \gexec
-- A login role without a password, even if someone gave it one: IAM tokens only.
ALTER ROLE :"iam_user" LOGIN PASSWORD NULL;

-- 2. Memberships.
GRANT rds_iam TO :"iam_user";
GRANT :"owner_role" TO :"iam_user";
GRANT :"owner_role" TO CURRENT_USER;
-- Whatever Keycloak creates (it creates and migrates its own tables) is owned by the owner role.
ALTER ROLE :"iam_user" IN DATABASE :"DBNAME" SET role = :'owner_role';

-- 3. The database and the schema.
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), :'iam_user') \gexec
-- PostgreSQL 15 and later give PUBLIC no CREATE on the public schema.
GRANT USAGE, CREATE ON SCHEMA :"schema" TO :"owner_role";

-- 4. Hand over what the master user owns in the schema (Keycloak's tables from the `copy`
--    days): tables first, their indexes and owned sequences follow them; then standalone
--    sequences, views and routines. Not REASSIGN OWNED: it would give away the database too.
SELECT format('ALTER TABLE %I.%I OWNER TO %I', n.nspname, c.relname, :'owner_role')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :'schema' AND c.relkind IN ('r', 'p', 'f')
   AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
 ORDER BY c.relname \gexec
SELECT format('ALTER %s %I.%I OWNER TO %I',
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' ELSE 'MATERIALIZED VIEW' END,
              n.nspname, c.relname, :'owner_role')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = :'schema' AND c.relkind IN ('S', 'v', 'm')
   AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
 ORDER BY c.relname \gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'owner_role')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = :'schema'
   AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
 ORDER BY 1 \gexec

COMMIT;
