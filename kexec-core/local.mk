# kexec-core/: the embedded kexec engine (library) — owned by the engine work.
