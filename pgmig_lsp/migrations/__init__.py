"""Migration tools' file formats: files -> `Migration` with sections and transaction modes."""
