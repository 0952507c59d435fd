include $(sort $(wildcard $(BR2_EXTERNAL_KEXBOOT_PATH)/package/*/*.mk))
