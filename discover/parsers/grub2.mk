# GRUB2 parser sources (placeholder until the GRUB2 parser lands).
