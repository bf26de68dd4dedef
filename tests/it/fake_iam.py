"""A fake STS and IAM on loopback for `rotate`'s rollback: argv[2] is the user's one key; STS
refuses the new key it hands out. Prints its port; logs each call as `Action KEY-ID` to argv[1]
(the key deleted, else the key that signed)."""
import http.server, sys, urllib.parse

LOG, OLD = sys.argv[1], sys.argv[2]
NEW = "AKIANEWKEYNEWKEY0001"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        action = form["Action"][0]
        signer = self.headers.get("Authorization", "").split("Credential=")[1].split("/")[0]
        with open(LOG, "a") as log:
            log.write(f"{action} {form.get('AccessKeyId', [signer])[0]}\n")
        if action == "GetSessionToken":
            return self.answer(200, "<GetSessionTokenResponse><GetSessionTokenResult><Credentials><AccessKeyId>ASIASESSIONSESSION01</AccessKeyId><SecretAccessKey>s3cr3t</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></GetSessionTokenResult></GetSessionTokenResponse>")
        if action == "GetCallerIdentity" and signer == NEW:
            return self.answer(403, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>")
        if action == "GetCallerIdentity":
            return self.answer(200, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDA1</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>")
        if action == "ListAccessKeys":
            return self.answer(200, f"<ListAccessKeysResponse><ListAccessKeysResult><AccessKeyMetadata><member><UserName>alice</UserName><AccessKeyId>{OLD}</AccessKeyId><Status>Active</Status></member></AccessKeyMetadata></ListAccessKeysResult></ListAccessKeysResponse>")
        if action == "CreateAccessKey":
            return self.answer(200, f"<CreateAccessKeyResponse><CreateAccessKeyResult><AccessKey><UserName>alice</UserName><AccessKeyId>{NEW}</AccessKeyId><Status>Active</Status><SecretAccessKey>newSECRETnewSECRETnewSECRETnewSECRET0001</SecretAccessKey></AccessKey></CreateAccessKeyResult></CreateAccessKeyResponse>")
        if action == "DeleteAccessKey":
            return self.answer(200, "<DeleteAccessKeyResponse></DeleteAccessKeyResponse>")
        self.answer(400, "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>")


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
