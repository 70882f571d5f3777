"""Reports: the same evidence as files for CI systems, people and case studies."""
