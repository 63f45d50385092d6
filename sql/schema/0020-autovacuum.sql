-- Analyze the big tables early and often: PL/pgSQL keeps each statement's plan for the session,
-- and a plan made while a table was nearly empty is kept until an ANALYZE of the table
-- invalidates it. Fresh statistics soon after a tenant starts filling its tree matter more
-- than the cost of analyzing.
ALTER TABLE tarbox.inode    SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 500,
                                 autovacuum_vacuum_scale_factor = 0.05);
ALTER TABLE tarbox.dentry   SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 500,
                                 autovacuum_vacuum_scale_factor = 0.05);
ALTER TABLE tarbox.blockmap SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 500,
                                 autovacuum_vacuum_scale_factor = 0.05);
ALTER TABLE tarbox.block    SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 500);
ALTER TABLE tarbox.xattr    SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 500);
