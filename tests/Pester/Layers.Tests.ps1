BeforeAll { . $PSScriptRoot/Common.ps1 }

# Storage layers as a user configures them: the platform YAML's bronze.layers list (issue 18).

Describe 'Layers in the platform YAML' {
    BeforeEach {
        $script:root = New-TestFolder 'layers-store'
        $script:config = Join-Path (New-TestFolder 'layers-config') 'platform.yaml'
    }
    AfterEach { Disconnect-BronzeStorage -All }

    It 'stacks compress over the local store, shows it in Location and round-trips a file' {
        Set-Content $config "platform:`n  bronze:`n    storage_backend: local`n    local_path: $root`n    layers:`n      - compress: { algorithm: zstd, level: 3 }`n"
        Connect-BronzeStorage -ConfigPath $config
        (Get-BronzeStorage).Location | Should -Be "zstd → $root"

        $source = Join-Path (New-TestFolder 'layers-src') 'data.csv'
        Set-Content $source (('id,name,value' + "`n") * 20000) -NoNewline
        Send-BronzeFile $source 'system=api/data.csv' | Out-Null
        $stored = Join-Path $root 'system=api/data.csv'
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($stored), 0, 4) | Should -Be 'MFCZ'
        (Get-Item $stored).Length | Should -BeLessThan ((Get-Item $source).Length / 10)

        $dest = Join-Path (New-TestFolder 'layers-get') 'back.csv'
        Get-BronzeFile 'system=api/data.csv' -Destination $dest | Out-Null
        (Get-FileHash $dest).Hash | Should -Be (Get-FileHash $source).Hash
    }

    It 'names the bad layer entry and key in a terminating error' {
        Set-Content $config "platform:`n  bronze:`n    storage_backend: local`n    local_path: $root`n    layers:`n      - compress: { algoritm: gzip }`n"
        $err = { Connect-BronzeStorage -ConfigPath $config } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'ConnectBronzeStorageInvalidConfiguration,MedallionFoundry.Commands.ConnectBronzeStorageCommand'
        $err.Exception.Message | Should -BeLike "*platform.bronze.layers``[0``].compress.algoritm*did you mean 'algorithm'*"
    }
}

Describe 'The encrypt layer' {
    BeforeAll {
        $script:key = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
        $env:MF_PESTER_LAYER_KEY = $key
        $env:MF_PESTER_OTHER_KEY = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    }
    AfterAll { Remove-Item Env:MF_PESTER_LAYER_KEY, Env:MF_PESTER_OTHER_KEY -ErrorAction SilentlyContinue }
    BeforeEach {
        $script:root = New-TestFolder 'layers-enc'
        $script:folder = New-TestFolder 'layers-enc-config'
        foreach ($name in 'right', 'wrong') {
            $variable = if ($name -eq 'right') { 'MF_PESTER_LAYER_KEY' } else { 'MF_PESTER_OTHER_KEY' }
            Set-Content (Join-Path $folder "$name.yaml") "platform:`n  bronze:`n    storage_backend: local`n    local_path: $root`n    layers:`n      - compress: { algorithm: gzip }`n      - encrypt: { key_env: $variable }`n"
        }
    }
    AfterEach { Disconnect-BronzeStorage -All }

    It 'round-trips, shows the stack in Location and never shows the key' {
        $verbose = Connect-BronzeStorage -ConfigPath (Join-Path $folder 'right.yaml') -Verbose 4>&1 | Out-String
        $info = Get-BronzeStorage
        $info.Location | Should -Be "gzip → aes-gcm → $root"
        ($info | Format-List * | Out-String) + $verbose | Should -Not -Match ([regex]::Escape($key))

        $source = New-TestFile (Join-Path (New-TestFolder 'layers-enc-src') 'x.bin') -Size 150000
        Send-BronzeFile $source.FullName 'e/x.bin' | Out-Null
        $dest = Join-Path (New-TestFolder 'layers-enc-get') 'x.bin'
        Get-BronzeFile 'e/x.bin' -Destination $dest | Out-Null
        (Get-FileHash $dest).Hash | Should -Be (Get-FileHash $source.FullName).Hash
    }

    It 'fails a download with another key as GetBronzeFileDecryptionFailed and leaves no file' {
        Connect-BronzeStorage -ConfigPath (Join-Path $folder 'right.yaml') -Name writer
        $source = New-TestFile (Join-Path (New-TestFolder 'layers-enc-src') 'y.bin') -Size 1000
        Send-BronzeFile $source.FullName 'e/y.bin' -Connection writer | Out-Null
        Connect-BronzeStorage -ConfigPath (Join-Path $folder 'wrong.yaml') -Name reader

        $out = New-TestFolder 'layers-enc-wrong'
        Get-BronzeFile 'e/y.bin' -Destination (Join-Path $out 'y.bin') -Connection reader -ErrorVariable failures -ErrorAction SilentlyContinue | Out-Null
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'GetBronzeFileDecryptionFailed,*'
        $failures[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $failures[0].Exception.Message | Should -BeLike '*encrypted with another key*MF_PESTER_OTHER_KEY*'
        @(Get-ChildItem $out -Force).Count | Should -Be 0
    }
}

Describe 'Layers in Get-BronzeStorageBackend' {
    It 'lists each layer with Kind Layer and its options, the key marked sensitive' {
        $layers = @(Get-BronzeStorageBackend | Where-Object Kind -eq 'Layer')
        $layers.Name | Should -Be @('compress', 'encrypt', 'cache')
        $key = (Get-BronzeStorageBackend encrypt).Options | Where-Object Key -eq 'key_env'
        $key.Section | Should -Be 'platform.bronze.layers.encrypt'
        $key.Sensitive | Should -BeTrue
        (Get-BronzeStorageBackend encrypt).RequiredKeys | Should -Be @('platform.bronze.layers.encrypt.key_env')
        (Get-BronzeStorageBackend -Custom | Where-Object Kind -eq 'Layer') | Should -BeNullOrEmpty
    }
}

Describe 'The cache layer and the mirror' {
    AfterEach { Disconnect-BronzeStorage -All }

    It 'keeps a downloaded file in the cache folder and serves the same bytes again' {
        $root = New-TestFolder 'layers-cache-store'
        $cache = New-TestFolder 'layers-cache'
        $config = Join-Path (New-TestFolder 'layers-cache-config') 'platform.yaml'
        Set-Content $config "platform:`n  bronze:`n    storage_backend: local`n    local_path: $root`n    layers:`n      - cache: { path: $cache, max_size: 1GB }`n"
        Connect-BronzeStorage -ConfigPath $config
        (Get-BronzeStorage).Location | Should -Be "cache $cache → $root"
        $source = New-TestFile (Join-Path (New-TestFolder 'layers-cache-src') 'c.bin') -Size 70000
        Send-BronzeFile $source.FullName 'c/c.bin' | Out-Null
        $out = New-TestFolder 'layers-cache-get'
        Get-BronzeFile 'c/c.bin' -Destination (Join-Path $out 'one.bin') | Out-Null
        Get-BronzeFile 'c/c.bin' -Destination (Join-Path $out 'two.bin') | Out-Null
        @(Get-ChildItem $cache -Recurse -File -Filter *.data).Count | Should -Be 1
        (Get-FileHash (Join-Path $out 'two.bin')).Hash | Should -Be (Get-FileHash $source.FullName).Hash
    }

    It 'sends a file to every mirror target and reads it back' {
        $one = New-TestFolder 'layers-mirror-one'
        $two = New-TestFolder 'layers-mirror-two'
        $config = Join-Path (New-TestFolder 'layers-mirror-config') 'platform.yaml'
        Set-Content $config "platform:`n  bronze:`n    storage_backend: mirror`n    mirror:`n      - { storage_backend: local, local_path: $one }`n      - { storage_backend: local, local_path: $two }`n"
        Connect-BronzeStorage -ConfigPath $config
        (Get-BronzeStorage).Location | Should -Be "mirror($one, $two)"
        (Get-BronzeStorage).Backend | Should -Be 'mirror'
        $source = New-TestFile (Join-Path (New-TestFolder 'layers-mirror-src') 'm.bin') -Size 5000
        Send-BronzeFile $source.FullName 'm/m.bin' | Out-Null
        Join-Path $one 'm/m.bin' | Should -Exist
        Join-Path $two 'm/m.bin' | Should -Exist
        (Get-BronzeFileList 'm/').Path | Should -Be 'm/m.bin'
        Remove-BronzeFile 'm/m.bin' -Confirm:$false
        Join-Path $one 'm/m.bin' | Should -Not -Exist
        Join-Path $two 'm/m.bin' | Should -Not -Exist
    }
}

Describe 'Test-BronzeMirror' {
    AfterEach { Disconnect-BronzeStorage -All }

    It 'reports a file one target lacks, and refuses a connection that is not a mirror' {
        $one = New-TestFolder 'layers-tm-one'
        $two = New-TestFolder 'layers-tm-two'
        $config = Join-Path (New-TestFolder 'layers-tm-config') 'platform.yaml'
        Set-Content $config "platform:`n  bronze:`n    storage_backend: mirror`n    mirror:`n      - { storage_backend: local, local_path: $one }`n      - { storage_backend: local, local_path: $two }`n"
        Connect-BronzeStorage -ConfigPath $config -Name m
        $source = New-TestFile (Join-Path (New-TestFolder 'layers-tm-src') 'a.bin') -Size 100
        Send-BronzeFile $source.FullName 'x/a.bin' -Connection m | Out-Null
        Test-BronzeMirror -Connection m -Quiet | Should -BeTrue
        Remove-Item (Join-Path $two 'x/a.bin')

        $difference = @(Test-BronzeMirror x/ -Connection m)
        $difference.Count | Should -Be 1
        $difference[0].Path | Should -Be 'x/a.bin'
        $difference[0].Status | Should -Be 'Missing'
        $difference[0].MissingOn | Should -BeLike "target 2 (local at $two)"
        Test-BronzeMirror -Connection m -Quiet | Should -BeFalse

        Connect-BronzeStorage -Backend Local -Path $one -Name plain
        $err = { Test-BronzeMirror -Connection plain } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'TestBronzeMirrorNotAMirror,MedallionFoundry.Commands.TestBronzeMirrorCommand'
    }
}
