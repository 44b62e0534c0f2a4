BeforeAll { . $PSScriptRoot/Common.ps1 }

# A corpus of malformed platform configs: each must fail Connect-BronzeStorage with an error that
# names the key (or the file and line), as a terminating error with a stable id, and no stack trace.
BeforeDiscovery {
    $base = "platform:`n  bronze:`n    storage_backend: local`n    local_path: /tmp/mf-config-corpus`n"
    $script:Corpus = @(
        @{ Name = 'tab indentation'; Yaml = "platform:`n  bronze:`n`tstorage_backend: local`n"; Expect = 'platform.yaml:3: The file is not valid YAML' }
        @{ Name = 'unclosed quote'; Yaml = "platform:`n  bronze:`n    storage_backend: `"local`n"; Expect = 'not valid YAML' }
        @{ Name = 'empty file'; Yaml = ''; Expect = "with 'platform:' at the top" }
        @{ Name = 'no platform key'; Yaml = "bronze:`n  storage_backend: local`n"; Expect = "The key 'platform' is required" }
        @{ Name = 'platform is a value'; Yaml = "platform: local`n"; Expect = "The key 'platform' must be a mapping" }
        @{ Name = 'no bronze section'; Yaml = "platform:`n  s3_connection: {}`n"; Expect = "The section 'platform.bronze' is required" }
        @{ Name = 'bronze is a list'; Yaml = "platform:`n  bronze:`n    - local`n"; Expect = "'platform.bronze' must be a mapping of keys, not a list" }
        @{ Name = 'unknown backend'; Yaml = "platform:`n  bronze:`n    storage_backend: ftp`n"; Expect = "The storage backend 'ftp' in 'platform.bronze.storage_backend' is not known. Available backends:" }
        @{ Name = 'empty backend name'; Yaml = "platform:`n  bronze:`n    storage_backend: ''`n"; Expect = "'platform.bronze.storage_backend' must not be empty" }
        @{ Name = 'local without local_path'; Yaml = "platform:`n  bronze:`n    storage_backend: local`n"; Expect = "'platform.bronze.local_path' is required" }
        @{ Name = 'local_path is a mapping'; Yaml = "platform:`n  bronze:`n    storage_backend: local`n    local_path:`n      a: b`n"; Expect = "'platform.bronze.local_path' must be a single value" }
        @{ Name = 'storage_enabled not a boolean'; Yaml = $base + "    storage_enabled: maybe`n"; Expect = "'platform.bronze.storage_enabled' must be true or false, not 'maybe'" }
        @{ Name = 'storage disabled'; Yaml = $base + "    storage_enabled: false`n"; Expect = 'Storage is disabled' }
        @{ Name = 'enabled flags disagree'; Yaml = $base + "    storage_enabled: true`n    s3_enabled: false`n"; Expect = 'disagree' }
        @{ Name = 'duplicate key'; Yaml = $base + "    local_path: /tmp/other`n"; Expect = 'platform.yaml:5:' }
        @{ Name = 'negative retry attempts'; Yaml = $base + "    retry:`n      max_attempts: -1`n"; Expect = "'platform.bronze.retry.max_attempts' must be between 1 and 20" }
        @{ Name = 'retry attempts not a number'; Yaml = $base + "    retry:`n      max_attempts: many`n"; Expect = "'platform.bronze.retry.max_attempts' must be a whole number" }
        @{ Name = 'negative base delay'; Yaml = $base + "    retry:`n      base_delay: -1`n"; Expect = "'platform.bronze.retry.base_delay' must be a non-negative duration" }
        @{ Name = 'max delay below base delay'; Yaml = $base + "    retry:`n      base_delay: 10`n      max_delay: 1`n"; Expect = "'platform.bronze.retry.max_delay' must not be smaller than base_delay" }
        @{ Name = 'retry is a value'; Yaml = $base + "    retry: 3`n"; Expect = "'platform.bronze.retry' must be a mapping" }
        @{ Name = 'jitter not a boolean'; Yaml = $base + "    retry:`n      jitter: sometimes`n"; Expect = "'platform.bronze.retry.jitter' must be true or false" }
        @{ Name = 'breaker threshold of one'; Yaml = $base + "    circuit_breaker:`n      failure_threshold: 1`n"; Expect = "'platform.bronze.circuit_breaker.failure_threshold' must be 0 (off) or at least 2" }
        @{ Name = 'zero rate limit'; Yaml = $base + "    rate_limit:`n      requests_per_second: 0`n"; Expect = "'platform.bronze.rate_limit.requests_per_second' must be between" }
        @{ Name = 'zero timeout'; Yaml = $base + "    timeout: 0`n"; Expect = "'platform.bronze.timeout' must be more than 0 seconds" }
        @{ Name = 'environment variable not set'; Yaml = "platform:`n  bronze:`n    storage_backend: s3`n    s3_bucket: b`n    s3_prefix: p`n  s3_connection:`n    endpoint_url: http://127.0.0.1:9`n    access_key_env: MF_TEST_SURELY_NOT_SET_1`n    secret_key_env: MF_TEST_SURELY_NOT_SET_2`n"; Expect = "names the environment variable 'MF_TEST_SURELY_NOT_SET_1', which is not set" }
        @{ Name = 's3 without bucket'; Yaml = "platform:`n  bronze:`n    storage_backend: s3`n    s3_prefix: p`n"; Expect = "'platform.bronze.s3_bucket' is required" }
        @{ Name = 'azure without container'; Yaml = "platform:`n  bronze:`n    storage_backend: azure`n    azure_storage_account: a`n"; Expect = "'platform.bronze.azure_container' is required" }
    )
}

Describe 'Malformed configs' {
    BeforeAll {
        $script:folder = New-TestFolder 'config-corpus'
        $script:file = Join-Path $folder 'platform.yaml'
    }

    It 'rejects <Name> with a message naming the key' -ForEach $Corpus {
        Set-Content -Path $file -Value $Yaml -NoNewline
        $err = { Connect-BronzeStorage -ConfigPath $file } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'ConnectBronzeStorageInvalidConfiguration,MedallionFoundry.Commands.ConnectBronzeStorageCommand'
        $err.Exception.Message | Should -BeLike "*$([WildcardPattern]::Escape($Expect))*"
        $err.Exception.Message | Should -Not -Match '\bat MedallionFoundry\.'
    }

    It 'shows a user no .NET stack trace' {
        Set-Content -Path $file -Value "platform:`n  bronze:`n    storage_backend: local`n"
        $result = Invoke-ChildPwsh "Import-Module '$script:ModuleManifest'; Connect-BronzeStorage -ConfigPath '$file'"
        $result.Output | Should -Match 'platform.bronze.local_path'
        $result.Output | Should -Not -Match '   at |StackTrace|\.cs:line'
    }
}
