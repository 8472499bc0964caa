"""Reference OCPP servers the benchmarks compare Kilowatt against."""
