// The browser side of the MSAL JS test (tests/clients/test_msal.py): MSAL JS custom auth, driven from Python.
//
// `window.msalBridge.create(apps)` makes one CustomAuthPublicClientApplication per application, its API calls going
// to the same-origin proxy at /api/ (customAuth.authApiProxyUrl). `msalBridge.call(handle, method, args)` calls a
// method of an application or of an object MSAL returned earlier (a state, an account) and answers plain JSON: for a
// result, its class, state type, error (class, API error, suberror, codes and every `is...()` check that holds) and
// data, with a handle for each object the next step calls. The test asserts on that JSON; nothing is judged here.
import { CustomAuthPublicClientApplication, LogLevel } from "@azure/msal-browser/custom-auth";

const held = new Map();
let serial = 0;

function keep(value) {
    const handle = `h${++serial}`;
    held.set(handle, value);
    return handle;
}

// Every zero-argument `is...` method of an MSAL error that answers true: the error kinds the library documents.
function kinds(error) {
    const found = [];
    for (let proto = Object.getPrototypeOf(error); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
        for (const name of Object.getOwnPropertyNames(proto)) {
            if (/^is[A-Z]/.test(name) && typeof error[name] === "function" && error[name].length === 0) {
                let holds = false;
                try {
                    holds = error[name]() === true;
                } catch {
                    holds = false;
                }
                if (holds && !found.includes(name)) found.push(name);
            }
        }
    }
    return found.sort();
}

function describeError(error) {
    const data = error.errorData ?? {};
    return {
        type: error.constructor.name,
        kinds: kinds(error),
        errorType: data.constructor?.name ?? null,
        error: data.error ?? null,
        suberror: data.subError || null,
        codes: data.errorCodes ?? [],
        description: data.errorDescription ?? null,
    };
}

function describeAccount(accountData) {
    const account = accountData.getAccount();
    return {
        handle: keep(accountData),
        account: {
            homeAccountId: account.homeAccountId,
            localAccountId: account.localAccountId,
            tenantId: account.tenantId,
            username: account.username,
            name: account.name ?? null,
            environment: account.environment,
        },
        idToken: accountData.getIdToken() ?? null,
        claims: accountData.getClaims() ?? null,
    };
}

function describeData(data) {
    if (data === undefined || data === null) return null;
    if (typeof data.getAccount === "function") return describeAccount(data);
    if (typeof data.accessToken === "string") {
        return {
            accessToken: data.accessToken,
            idToken: data.idToken,
            scopes: data.scopes,
            tokenType: data.tokenType,
            fromCache: data.fromCache,
            expiresOn: data.expiresOn ? new Date(data.expiresOn).toISOString() : null,
            account: data.account ? { homeAccountId: data.account.homeAccountId, username: data.account.username } : null,
        };
    }
    return JSON.parse(JSON.stringify(data));
}

function describe(value) {
    if (value && typeof value === "object" && value.state && typeof value.state.stateType === "string") {
        return {
            result: value.constructor.name,
            state: value.state.stateType,
            handle: keep(value.state),
            error: value.error ? describeError(value.error) : null,
            data: describeData(value.data),
        };
    }
    return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

window.msalBridge = {
    async create(apps, authority, capabilities) {
        for (const app of apps) {
            const instance = await CustomAuthPublicClientApplication.create({
                auth: { clientId: app.clientId, authority, redirectUri: window.location.origin },
                customAuth: {
                    authApiProxyUrl: `${window.location.origin}/api/`,
                    challengeTypes: ["password", "oob", "redirect"],
                    capabilities,
                },
                cache: { cacheLocation: "memoryStorage" },
                system: {
                    loggerOptions: {
                        logLevel: LogLevel.Warning,
                        piiLoggingEnabled: false,
                        loggerCallback: (level, message) => console.log(`msal: ${message}`),
                    },
                },
            });
            held.set(app.name, instance);
        }
        return apps.map((app) => app.name);
    },

    async call(handle, method, args) {
        const target = held.get(handle);
        if (target === undefined) throw new Error(`no MSAL object behind handle ${handle}`);
        if (typeof target[method] !== "function") throw new Error(`${target.constructor.name} has no method ${method}`);
        return describe(await target[method](...(args ?? [])));
    },

    // Signs every application's cached account out, so the next scenario starts signed out.
    async signOutAll(names) {
        const signedOut = [];
        for (const name of names) {
            const current = held.get(name).getCurrentAccount();
            if (current.data) {
                await current.data.signOut();
                signedOut.push(name);
            }
        }
        return signedOut;
    },
};
