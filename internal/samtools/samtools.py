"""Lint a SAM template with cfn-lint and translate it with the SAM translator.

Run by the Go package internal/samtools as `python3 -c <this file> MODE`:

  probe    print the interpreter, the installed versions of cfn-lint and
           aws-sam-translator and where they are installed (without importing
           them: that takes seconds).
  analyze  read {"template", "region", "params", "bucket"} as JSON on stdin, lint and
           translate the template, print one JSON document on stdout.

Problems with the template are part of the answer, never a traceback.
"""

import importlib.metadata
import importlib.util
import json
import os
import sys

TRANSFORM_ERROR = "the SAM translator failed"



def probe():
    """The interpreter, the tool versions and the directories they are
    installed in (their metadata and its parent), so Go can tell from those
    directories' stamps whether an install, upgrade or uninstall happened."""
    # The interpreter itself: later runs skip launchers such as pyenv shims.
    out = {"executable": sys.executable, "versions": {}, "installed": []}
    installed = []  # empty unless known for every tool
    for module, dist in (("cfnlint", "cfn-lint"), ("samtranslator", "aws-sam-translator")):
        meta = None
        if importlib.util.find_spec(module) is None:
            out["versions"][dist] = ""
        else:
            try:
                d = importlib.metadata.distribution(dist)
                out["versions"][dist] = d.version
                meta = getattr(d, "_path", None)  # the .dist-info directory
            except importlib.metadata.PackageNotFoundError:
                out["versions"][dist] = "unknown"
        if meta is None:
            installed = None
        elif installed is not None:
            for where in (str(meta), os.path.dirname(str(meta))):
                if where not in installed:
                    installed.append(where)
    out["installed"] = installed or []
    return out


def lint(path, region):
    from pathlib import Path

    from cfnlint.api import ManualArgs, lint_file

    findings = []
    for m in lint_file(Path(path), config=ManualArgs(regions=[region])):
        path_parts = getattr(m, "path", None) or []
        findings.append(
            {
                "rule": m.rule.id,
                "level": m.rule.severity,
                "message": m.message,
                "line": m.linenumber,
                "column": m.columnnumber,
                "path": [str(p) for p in path_parts],
            }
        )
    return findings


def placeholder(local, bucket):
    """s3://bucket/<local path>: the translator only accepts S3 locations,
    as CloudFormation does after `sam package`."""
    key = local.strip()
    if key.startswith("./"):
        key = key[2:]
    return "s3://%s/%s" % (bucket, key or ".")


def replace_local_code(template, bucket):
    """Replace local CodeUri values by S3 placeholders; return what was replaced."""
    replaced = {}

    def is_local(v):
        # Bucket/Key maps and s3:// strings are already what the translator wants.
        return isinstance(v, str) and not v.startswith("s3://")

    glob = template.get("Globals")
    glob_fn = glob.get("Function") if isinstance(glob, dict) else None
    glob_code = None
    if isinstance(glob_fn, dict):
        glob_code = glob_fn.get("CodeUri")
        if is_local(glob_code):
            replaced["Globals"] = glob_code
            glob_fn["CodeUri"] = placeholder(glob_code, bucket)

    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return replaced
    for name, res in resources.items():
        if not isinstance(res, dict) or res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties")
        if not isinstance(props, dict):
            continue
        if props.get("PackageType") == "Image" or "InlineCode" in props:
            continue
        code = props.get("CodeUri")
        if code is None and glob_code is None:
            # sam build uses the template's directory when CodeUri is absent.
            code = "."
        if is_local(code):
            replaced[name] = code
            props["CodeUri"] = placeholder(code, bucket)
    return replaced


class ManagedPolicies:
    """The managed-policy loader the translator wants, without calling IAM."""

    def load(self):
        # cfn-lint ships the list of AWS managed policies for this purpose.
        from cfnlint.data import Serverless
        from cfnlint.helpers import load_resource

        return load_resource(Serverless, "ManagedPolicies.json")


def translate(path, region, overrides, bucket):
    from cfnlint.decode import decode

    template, matches = decode(path)
    if matches or not isinstance(template, dict):
        return None, {}, ["not translated: the template could not be read (see the E0000 finding)"]

    # Plain dicts and strings: the decoder's nodes carry line marks the
    # translator does not need.
    template = json.loads(json.dumps(template, default=str))
    local_code = replace_local_code(template, bucket)

    params = {}
    declared = template.get("Parameters")
    if isinstance(declared, dict):
        for name, p in declared.items():
            if isinstance(p, dict) and "Default" in p:
                params[name] = p["Default"]
    params.update(overrides)

    os.environ["AWS_DEFAULT_REGION"] = region
    from samtranslator.model.exceptions import ExceptionWithMessage, InvalidDocumentException
    from samtranslator.translator.transform import transform

    try:
        out = transform(template, params, ManagedPolicies(), passthrough_metadata=True)
    except InvalidDocumentException as e:
        return None, local_code, [c.message for c in e.causes] or [e.message]
    except ExceptionWithMessage as e:
        return None, local_code, [e.message]
    except Exception as e:  # the translator's own bugs: say what, not where
        return None, local_code, ["%s: %s: %s" % (TRANSFORM_ERROR, type(e).__name__, e)]
    return json.loads(json.dumps(out, default=str)), local_code, []


def analyze(req):
    path, region = req["template"], req["region"]
    findings = lint(path, region)
    translated, local_code, errors = translate(path, region, req.get("params") or {}, req["bucket"])
    return {
        "findings": findings,
        "translated": translated,
        "translateErrors": errors,
        "localCode": local_code,
    }


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "probe":
        out = probe()
    elif mode == "analyze":
        try:
            out = analyze(json.load(sys.stdin))
        except Exception as e:  # reported by Go as an error, with no traceback
            out = {"fatal": "%s: %s" % (type(e).__name__, e)}
    else:
        out = {"fatal": "unknown mode %r (want probe or analyze)" % mode}
    json.dump(out, sys.stdout)


main()
