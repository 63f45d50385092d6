-- tarbox._quota_inodes(tenant): before creating an inode: EDQUOT when the tenant's inode quota
-- (live inodes of the newest layer) is reached. Reads the counter stripes (tarbox._usage_of):
-- concurrent creators do not see each other's uncommitted inodes, so the limit holds to within
-- the creations in flight at one moment.
CREATE OR REPLACE FUNCTION tarbox._quota_inodes(p_tenant bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_quota bigint;
    v_used bigint;
BEGIN
    SELECT t.quota_inodes INTO v_quota FROM tarbox.tenant t WHERE t.tenant_id = p_tenant;
    IF v_quota IS NOT NULL THEN
        v_used := (tarbox._usage_of(p_tenant)).inodes;
        IF v_used + 1 > v_quota THEN
            PERFORM tarbox._raise('EDQUOT', format('inode quota of %s inodes reached (%s in use)', v_quota, v_used));
        END IF;
    END IF;
END
$$;
ALTER FUNCTION tarbox._quota_inodes(bigint) OWNER TO tarbox_owner;
REVOKE ALL ON FUNCTION tarbox._quota_inodes(bigint) FROM PUBLIC;
