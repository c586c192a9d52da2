select key, value from plan_info;
