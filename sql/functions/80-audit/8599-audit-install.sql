-- On every `tarbox init`: the partitions of the current and the coming periods (and of rows
-- waiting in the default partition) exist; tarbox.audit_maintain keeps it so afterwards.
SELECT count(*) AS audit_partitions_made FROM tarbox._audit_premake(now());
