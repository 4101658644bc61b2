BASE=${BASE:-http://127.0.0.1:8000} FORM='username=ada@example.com&password=correct horse battery'
curl -s "$BASE/auth/register" -H 'content-type: application/json' \
  -d '{"email": "ada@example.com", "password": "correct horse battery"}' > /dev/null
# Log in from a laptop and from a phone: each login answers an access and a refresh token.
LAPTOP=$(curl -s "$BASE/auth/login" -A 'Laptop/1.0' -d "$FORM")
PHONE=$(curl -s "$BASE/auth/login" -A 'Phone/2.0' -d "$FORM")
AUTH="authorization: Bearer $(jq -r .access_token <<< "$LAPTOP")"
# The laptop lists the sessions (their ids log nobody in) and ends the phone's.
curl -s "$BASE/users/me/sessions" -H "$AUTH" | jq -c '.[] | {user_agent, amr, current}'
OTHER=$(curl -s "$BASE/users/me/sessions" -H "$AUTH" | jq -r '.[] | select(.current | not) | .id')
curl -s -X DELETE "$BASE/users/me/sessions/$OTHER" -H "$AUTH" -w 'phone ended: %{http_code}\n'
refresh() { curl -s "$BASE/auth/refresh" -H 'content-type: application/json' -d "{\"refresh_token\": $1}"; }
refresh "$(jq .refresh_token <<< "$PHONE")"; echo
# The laptop refreshes: a new pair, the old refresh token used up. A replay of the old one
# (a thief's copy) revokes the whole session, the new pair included.
NEW=$(refresh "$(jq .refresh_token <<< "$LAPTOP")")
curl -s "$BASE/users/me" -H "authorization: Bearer $(jq -r .access_token <<< "$NEW")" | jq -c '{email}'
refresh "$(jq .refresh_token <<< "$LAPTOP")"; echo
curl -s "$BASE/users/me" -H "authorization: Bearer $(jq -r .access_token <<< "$NEW")"; echo
