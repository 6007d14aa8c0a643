UPDATE users SET name_key = lower(name), search = lower(name) || chr(10) || email_key;
