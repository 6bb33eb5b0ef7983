#!/usr/bin/env node
// tests/node/k8s-validate.js [--json] FILE... — checks Kubernetes manifests
// offline against the Kubernetes OpenAPI schema, as the kubernetes-models
// package generated it (package.json pins the version; 4.5.1 is Kubernetes
// 1.33's schema). Every YAML document of every FILE ("-" is stdin) must be
// an object of a kind the package models, and valid:
//   - types, enums and required fields: the package's own validator;
//   - unknown fields (a misspelt `backoffLimitPerIndx`), which the OpenAPI
//     schema does not forbid but the API server refuses (kubectl's strict
//     field validation): a field counts as known when the validator looked
//     at it. The validator is generated from the schema and reads every
//     property the schema declares (and every key of a map the schema
//     allows), so the tree it is given is wrapped in proxies that record
//     what it read; a key it never read is not in the schema.
// Prints one line per problem (FILE: document N (KIND NAME): PATH: what)
// and exits 1 when there is any, 2 on usage errors. --json prints every
// valid document as one JSON line on stdout instead of "ok" lines;
// --jsonl-beside writes them to FILE.jsonl beside each FILE (one run of
// node for many files): both for the test's own checks (jq).
// The packages come from GATECAP_NPM (the folder tools/install-deps ran
// npm ci in: $BUILD/npm), else from where node looks by itself.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");
const req = process.env.GATECAP_NPM
    ? createRequire(path.join(path.resolve(process.env.GATECAP_NPM), "package.json"))
    : require;
const YAML = req("yaml");

// apiVersion -> the package's module for that group and version
function modelsFor(apiVersion) {
    if (typeof apiVersion !== "string" || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion))
        return null;
    try {
        return req("kubernetes-models/" + apiVersion);
    } catch (e) {
        return null;
    }
}

// A proxy over the data tree that records, per object, the keys read.
function tracker() {
    const seen = new WeakMap(); // original object -> Set of keys read
    const proxies = new WeakMap();
    function wrap(obj) {
        if (obj === null || typeof obj !== "object") return obj;
        if (proxies.has(obj)) return proxies.get(obj);
        seen.set(obj, new Set());
        const p = new Proxy(obj, {
            get(target, key, receiver) {
                if (typeof key === "string") seen.get(target).add(key);
                return wrap(Reflect.get(target, key, receiver));
            },
        });
        proxies.set(obj, p);
        return p;
    }
    return { wrap, seen };
}

function unknownFields(obj, seen, where, out) {
    if (obj === null || typeof obj !== "object") return;
    if (Array.isArray(obj)) {
        obj.forEach((v, i) => unknownFields(v, seen, `${where}/${i}`, out));
        return;
    }
    const read = seen.get(obj);
    for (const key of Object.keys(obj)) {
        if (!read || !read.has(key)) {
            out.push(`${where}/${key}: unknown field "${key}" (not in the Kubernetes schema)`);
            continue;
        }
        unknownFields(obj[key], seen, `${where}/${key}`, out);
    }
}

function checkDoc(doc) {
    const problems = [];
    if (doc === null || typeof doc !== "object" || Array.isArray(doc))
        return ["not an object"];
    const models = modelsFor(doc.apiVersion);
    const Model = models && typeof doc.kind === "string" ? models[doc.kind] : undefined;
    if (typeof Model !== "function" || Model.apiVersion !== doc.apiVersion)
        return [`no such kind: apiVersion ${JSON.stringify(doc.apiVersion)} kind ${JSON.stringify(doc.kind)}`];
    const t = tracker();
    try {
        // the generated validator, run on the tracked tree (Model.validate
        // validates `this`)
        Model.prototype.validate.call(t.wrap(doc));
    } catch (e) {
        const errs = Array.isArray(e.errors) ? e.errors : null;
        if (errs)
            for (const x of errs)
                problems.push(`${x.instancePath || "/"}: ${x.message}${x.params && x.params.allowedValues ? " " + JSON.stringify(x.params.allowedValues) : ""}`);
        else problems.push(String(e.message || e));
    }
    unknownFields(doc, t.seen, "", problems);
    return problems;
}

function main(argv) {
    let json = false, beside = false;
    const files = [];
    for (const a of argv) {
        if (a === "--json") json = true;
        else if (a === "--jsonl-beside") beside = true;
        else files.push(a);
    }
    if (!files.length) {
        process.stderr.write("usage: k8s-validate.js [--json] FILE...\n");
        return 2;
    }
    let bad = 0;
    for (const f of files) {
        let text;
        try {
            text = fs.readFileSync(f === "-" ? 0 : f, "utf8");
        } catch (e) {
            process.stderr.write(`${f}: ${e.message}\n`);
            return 2;
        }
        const docs = YAML.parseAllDocuments(text, { prettyErrors: true });
        const lines = [];
        let n = 0;
        for (const d of docs) {
            n++;
            if (d.errors.length) {
                for (const e of d.errors) console.log(`${f}: document ${n}: YAML: ${e.message.split("\n")[0]}`);
                bad++;
                continue;
            }
            const doc = d.toJS({ maxAliasCount: 100 });
            if (doc === null || doc === undefined) continue; // an empty document (a trailing ---)
            const name = doc && doc.metadata && doc.metadata.name ? doc.metadata.name : "?";
            const label = `${f}: document ${n} (${doc && doc.kind} ${name})`;
            const problems = checkDoc(doc);
            for (const p of problems) console.log(`${label}: ${p}`);
            if (problems.length) bad++;
            else if (json) console.log(JSON.stringify(doc));
            else console.log(`${label}: ok`);
            if (!problems.length) lines.push(JSON.stringify(doc) + "\n");
        }
        if (beside && f !== "-") fs.writeFileSync(f + ".jsonl", lines.join(""));
        if (!n) {
            console.log(`${f}: no document`);
            bad++;
        }
    }
    return bad ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
