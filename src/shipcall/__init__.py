"""shipcall: ship AI features with evidence."""
