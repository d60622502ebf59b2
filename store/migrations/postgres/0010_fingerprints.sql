-- Near duplicates are found by scanning an in-memory copy of
-- complaint_simhash (store/fingerprints.go): the eight band rows per
-- complaint, each an insert on a random page, are no longer written.
DROP TABLE complaint_simhash_bands;
