UPDATE users SET name_key = lower(name), search = lower(name) || char(10) || email_key;
