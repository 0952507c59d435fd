# kexboot-probe (added soon)
