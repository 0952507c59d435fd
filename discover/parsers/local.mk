# Parser framework and parsers (library shared by kexboot-discover and kexboot-probe).
